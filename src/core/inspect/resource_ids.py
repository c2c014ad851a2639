"""Which resource an id that a person types names, for `explain` and `top` alike (pure).

An endpoint id or a load balancer ARN; a load balancer's short id (`net-<name>-<id>`, as in our
artifact names); a network interface id, what a flow-log record shows; an endpoint service id, what
a provider knows (the load balancer behind it); a load balancer's name or an endpoint's Name tag;
and, where the caller knows our artifacts, one of our rule or alarm names.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence

from core.errors import PlinsightsError
from core.model import Resource

NEAR_MATCHES = 3  # ids offered after "did you mean"
HINT = (
    "`plinsights plan` lists every resource; give an endpoint id, a load balancer name or ARN, a network interface "
    "or endpoint service id, or a rule name"
)
# An artifact name's owner: (the artifact's kind, the resource id it belongs to), or None when not ours.
ArtifactOwner = Callable[[str], tuple[str, str] | None]


class UnknownIdError(PlinsightsError):
    """The id names no resource of the account and no artifact of ours; its hint says where to find
    the ids."""


def find_resource(
    query: str,
    resources: Sequence[Resource],
    region: str,
    artifact_owner: ArtifactOwner | None = None,
    artifact_names: Iterable[str] = (),
) -> tuple[Resource, str]:
    """The resource the id names, and what the id was taken as. An empty, unknown or ambiguous id
    raises UnknownIdError, with the nearest ids when there are."""
    if not query.strip():
        raise UnknownIdError("an empty id names no resource", hint=HINT)
    by_id = {resource.resource_id: resource for resource in resources}
    if query in by_id:
        return by_id[query], "load balancer ARN" if query.startswith("arn:") else "endpoint id"
    # (what the id is taken as, the resources it names, whether the match is told with the kind)
    candidates: tuple[tuple[str, list[Resource], bool], ...] = (
        ("short id", [r for r in resources if r.short_id == query], True),
        ("network interface", [r for r in resources if any(e.eni_id == query for e in r.enis)], False),
        ("endpoint service", [r for r in resources if query in r.endpoint_services], False),
        ("name", [r for r in resources if r.name == query], True),
    )
    for what, found, with_kind in candidates:
        if len(found) > 1:
            ids = ", ".join(sorted(r.resource_id for r in found))
            raise UnknownIdError(f"{query!r} is the {what} of {len(found)} resources ({ids}): give one of their ids")
        if found:
            return found[0], f"{found[0].kind.value} {what}" if with_kind else f"{what} {query}"
    owned = artifact_owner(query) if artifact_owner else None
    if owned is not None:
        kind, owner = owned
        if owner in by_id:
            return by_id[owner], f"{kind} name"
        raise UnknownIdError(
            f"{kind} {query} belongs to {owner or 'no resource'}, which no longer exists: "
            "`plinsights plan` shows its deletion"
        )
    near = near_matches(query, resources, artifact_names)
    raise UnknownIdError(
        f"no endpoint, load balancer or rule of ours is {query!r} in {region}"
        + (f"; did you mean {' or '.join(near)}?" if near else ""),
        hint=HINT,
    )


def known_ids(resources: Sequence[Resource]) -> set[str]:
    ids = {r.resource_id for r in resources} | {r.short_id for r in resources} | {r.name for r in resources if r.name}
    ids |= {eni.eni_id for r in resources for eni in r.enis}
    return ids | {service for r in resources for service in r.endpoint_services}


def near_matches(query: str, resources: Sequence[Resource], artifact_names: Iterable[str] = ()) -> list[str]:
    """The ids and names nearest the query; our rule and alarm names when none is near."""
    for known in (known_ids(resources), set(artifact_names)):
        if near := difflib.get_close_matches(query, sorted(known), n=NEAR_MATCHES, cutoff=0.6):
            return near
    return []
