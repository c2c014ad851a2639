"""Tag-based selection and per-resource overrides, read from the resource's and its VPC's tags (pure)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from core.model import Resource
from core.settings import Settings, period_error

FALSE_VALUES = frozenset({"false", "no", "0", "off"})  # a tag set to one of these does not count

# The per-resource settings of the alarms on a resource's rules (`override`): a shared rule's alarm
# serves several resources at one threshold, so a resource tagged with one of these needs its own.
RULE_ALARM_TAGS = (
    "plinsights:bytes-threshold",
    "plinsights:bytes-top-threshold",
    "plinsights:bytes-period",
    "plinsights:rejects-threshold",
    "plinsights:rejects-top-threshold",
    "plinsights:rejects-period",
)


def tag_is_set(tags: Mapping[str, str], key: str) -> bool:
    return key in tags and tags[key].strip().lower() not in FALSE_VALUES


def exclusion_reason(resource: Resource, vpc_tags: Mapping[str, str], settings: Settings) -> str:
    """Why tag-based selection leaves this resource out; empty when it is selected."""
    own = resource.tag_map
    if tag_is_set(own, settings.exclude_tag):
        return f"excluded by its tag {settings.exclude_tag}"
    if tag_is_set(vpc_tags, settings.exclude_tag):
        return f"excluded by the tag {settings.exclude_tag} on {resource.vpc_id}"
    if settings.selection == "tagged" and not (
        tag_is_set(own, settings.include_tag) or tag_is_set(vpc_tags, settings.include_tag)
    ):
        return f"not selected: only resources tagged {settings.include_tag} (or in a VPC so tagged) are monitored"
    return ""


def override(resource: Resource, kind: str, field: str, default: float) -> tuple[float, str]:
    """A threshold or period from the tag plinsights:<kind>-<field>; a bad value is reported and
    the default is used."""
    key = f"plinsights:{kind}-{field}"
    raw = resource.tag_map.get(key)
    if raw is None:
        return default, ""
    try:
        value = float(raw)
    except ValueError:
        return default, f"tag {key}={raw!r} is not a number: using {default:g}"
    if field == "period":
        if not value.is_integer() or (problem := period_error(int(value))):
            return (
                default,
                f"tag {key}={raw!r}: {problem if value.is_integer() else 'not whole seconds'}; using {default:g}",
            )
        return value, ""
    if not math.isfinite(value) or value < 0:
        return default, f"tag {key}={raw!r} must be a finite number, 0 or more: using {default:g}"
    return value, ""
