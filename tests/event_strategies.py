"""Hypothesis strategies for events: the samples in events/, mutated the ways real and broken events
differ, and values that are not events at all. Shared by the trigger and the handler properties."""

from __future__ import annotations

import copy
import json
import reprlib
from collections import deque
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EVENTS = Path(__file__).resolve().parents[1] / "events"
ACCEPTED = [json.loads(p.read_text()) for p in sorted(EVENTS.glob("*.json"))]
IGNORED = [json.loads(p.read_text()) for p in sorted((EVENTS / "ignored").glob("*.json"))]
KEYS = ("errorCode", "content", "tag", "item", "region", "source", "detail-type", "detail", "eventName",
        "eventSource", "dryRun", "requestParameters", "responseElements", "VpcEndpointId", "loadBalancerArn")  # fmt: skip
OTHER_VALUES = ("aws.s3", "aws.ec2", "aws.events", "plinsights", "Object Created", "Scheduled Event", "Backfill",
                "AWS API Call via CloudTrail", "ec2.amazonaws.com", "RunInstances", "CreateVpcEndpoint",
                "Client.UnauthorizedOperation", "", " ", "vpce-0f1e2d3c4b5a69788")  # fmt: skip
MAX_WALK_DEPTH = 40  # mutations land near the top; the "deep" mutation builds the deep nesting

PROFILE = settings(
    derandomize=True,  # the same examples on every run, and no example database: CI is repeatable
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.sampled_from(OTHER_VALUES)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner, max_size=3),
    max_leaves=5,
)  # fmt: skip
huge_strings = st.builds(
    lambda s, n: s * n, st.sampled_from(("x", "vpce-", "é", "\x00", " ")), st.integers(2_000, 200_000)
)


def nest(value: Any, depth: int, wrapper: str) -> Any:
    for _ in range(depth):
        value = [value] if wrapper == "list" else {wrapper: value}
    return value


# 4 000 is deeper than the recursion limit, even as Hypothesis raises it (about 2 000) during a test.
depths = st.sampled_from((4_000, 30, 1_500))
deep_values = st.builds(
    nest, json_values | st.sampled_from(OTHER_VALUES), depths, st.sampled_from(("list", "item", "content"))
)

REMOVE = object()
Mutation = Callable[[Any, st.DrawFn], Any]


def collapse(value: Any, draw: st.DrawFn) -> Any:
    if isinstance(value, list):
        return value[0] if value else ""
    return value


# Strategies built once: building one inside a draw costs more than the draw itself, and the
# property tests draw thousands of times.
other_values = st.sampled_from(OTHER_VALUES)
keys = st.sampled_from(KEYS)
added_values = json_values | other_values
expansions = st.integers(0, 3)
tags = st.integers(0, 3)
big_numbers = st.integers(min_value=-(2**70), max_value=2**70)


def expand(value: Any, draw: st.DrawFn) -> Any:
    shape = draw(expansions)
    if shape == 2:
        return [value, draw(json_values)]
    return ([value], [value, value], None, [])[shape]


def toggle_wrapping(value: Any, draw: st.DrawFn) -> Any:
    if isinstance(value, dict) and "content" in value:
        return value["content"]
    return {"tag": draw(tags), "content": value}


def numeric(value: Any, draw: st.DrawFn) -> Any:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return draw(big_numbers)


def add_key(value: Any, draw: st.DrawFn) -> Any:
    if not isinstance(value, dict):
        return value
    return {**value, draw(keys): draw(added_values)}


MUTATIONS: dict[str, Mutation] = {
    "remove": lambda value, draw: REMOVE,
    "wrong type": lambda value, draw: draw(json_values),
    "collapse": collapse,
    "expand": expand,
    "toggle wrapping": toggle_wrapping,
    "numeric": numeric,
    "huge": lambda value, draw: draw(huge_strings),
    "deep": lambda value, draw: draw(deep_values),
    "empty": lambda value, draw: "",
    "add key": add_key,
    "other value": lambda value, draw: draw(other_values),
}
mutation_names = st.sampled_from(sorted(MUTATIONS))
mutation_counts = st.integers(0, 4)


def paths(root: Any) -> list[tuple[Any, ...]]:
    """Every node's path, breadth first, without recursion (a mutated event may be very deep)."""
    found: list[tuple[Any, ...]] = []
    queue: deque[tuple[tuple[Any, ...], Any]] = deque([((), root)])
    while queue:
        path, node = queue.popleft()
        found.append(path)
        if len(path) >= MAX_WALK_DEPTH:
            continue
        if isinstance(node, dict):
            queue += [((*path, key), child) for key, child in node.items()]
        elif isinstance(node, list):
            queue += [((*path, index), child) for index, child in enumerate(node)]
    return found


def replaced(root: Any, path: tuple[Any, ...], change: Callable[[Any], Any]) -> Any:
    """`root` with the node at `path` changed in place (or removed); the root itself may be replaced."""
    if not path:
        new = change(root)
        return {} if new is REMOVE else new
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    new = change(parent[path[-1]])
    if new is REMOVE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return root


def apply_mutation(mutation: Mutation, draw: st.DrawFn, value: Any) -> Any:
    return mutation(value, draw)


@st.composite
def mutated_events(draw: st.DrawFn, samples: tuple[Any, ...] = (*ACCEPTED, *IGNORED)) -> Any:
    event = copy.deepcopy(draw(st.sampled_from(samples)))
    for _ in range(draw(mutation_counts)):
        everywhere = paths(event)
        near_the_top = [p for p in everywhere if len(p) <= 2]  # id, source, detail-type, eventName ...
        where = near_the_top if draw(st.booleans()) else everywhere
        path = where[draw(st.integers(0, len(where) - 1))]
        mutation = MUTATIONS[draw(mutation_names)]
        event = replaced(event, path, partial(apply_mutation, mutation, draw))
    return event


SPOILERS = (
    "failed call",
    "other source",
    "other detail-type",
    "other event name",
    "other Region",
    "bad detail",
)


def spoil(event: dict[str, Any], how: str, value: Any) -> None:
    """What makes an event one we do not act on, mostly; applied last to a mutated event."""
    detail = event.get("detail")
    if how == "failed call" and isinstance(detail, dict):
        detail["errorCode"] = value or "Client.InvalidParameter"
    elif how == "other event name" and isinstance(detail, dict):
        detail["eventName"] = value
    elif how == "other source":
        event["source"] = value
    elif how == "other detail-type":
        event["detail-type"] = value
    elif how == "other Region":
        event["region"] = "eu-west-1"
    elif how == "bad detail":
        event["detail"] = [value] if isinstance(value, dict) else value


spoilers = st.sampled_from(SPOILERS)
spoiling_values = json_values | other_values | huge_strings | deep_values


@st.composite
def spoiled_events(draw: st.DrawFn) -> Any:
    event = draw(mutated_events())
    if isinstance(event, dict):
        spoil(event, draw(spoilers), draw(spoiling_values))
    return event


json_events = mutated_events() | json_values | huge_strings | deep_values  # what a Lambda can be given
ignorable_events = st.booleans().flatmap(lambda spoilt: spoiled_events() if spoilt else json_events)
any_events = json_events | st.binary(max_size=20) | st.tuples(st.integers()) | st.frozensets(st.integers())


class Shown:
    """A generated value with a short repr: Hypothesis prints a failing example, and its printer
    overflows the stack on the deeply nested ones."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Shown({reprlib.repr(self.value)})"


DEEP = nest("vpce-0f1e2d3c4b5a69788", 20_000, "list")
# Always tried first, whatever Hypothesis draws: every field that is logged or compared, deep and huge.
HARD_CASES = [
    *({field: DEEP} for field in ("id", "source", "detail-type", "region", "detail")),
    {"id": "x" * 300_000, "source": "aws.ec2", "detail-type": "AWS API Call via CloudTrail"},
    {"detail-type": "AWS API Call via CloudTrail", "source": "aws.ec2", "detail": {"eventName": DEEP, "eventID": DEEP}},
    {"detail-type": "AWS API Call via CloudTrail", "source": "aws.ec2",
     "detail": {"eventName": "CreateVpcEndpoint", "eventSource": "ec2.amazonaws.com", "errorCode": DEEP}},
    {"source": "plinsights", "detail-type": "Backfill", "detail": {"dryRun": DEEP}},
    DEEP,
]  # fmt: skip
