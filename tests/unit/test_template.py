"""template.yaml follows the code: the EventBridge patterns match exactly the events the handler accepts."""

from pathlib import Path
from typing import Any

import yaml

from core.triggers import event_names_by_source

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


class CloudFormationLoader(yaml.SafeLoader):
    """Reads !Ref, !Sub and the other short-form intrinsics as plain values."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node, deep=True)}
    return {suffix: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]


CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=CloudFormationLoader)  # a SafeLoader subclass


def test_eventbridge_patterns_match_the_triggers_table() -> None:
    events = template()["Resources"]["ReconcileFunction"]["Properties"]["Events"]
    patterns = [e["Properties"]["Pattern"] for e in events.values() if e["Type"] == "EventBridgeRule"]
    found = {p["source"][0]: sorted(p["detail"]["eventName"]) for p in patterns}
    assert found == event_names_by_source()
    assert all(p["detail-type"] == ["AWS API Call via CloudTrail"] for p in patterns)


def test_the_function_runs_python_3_13_with_one_concurrent_execution() -> None:
    doc = template()
    function = doc["Resources"]["ReconcileFunction"]["Properties"]
    assert doc["Globals"]["Function"]["Runtime"] == "python3.13"
    assert function["ReservedConcurrentExecutions"] == 1
    assert function["Handler"] == "handlers.reconcile.handler"
