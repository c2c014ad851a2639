"""template.yaml and samconfig.toml as data, for the tests that hold them to the code."""

from __future__ import annotations

import copy
import functools
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
SAMCONFIG = ROOT / "samconfig.toml"


# libyaml's loader when PyYAML was built with it: parsing template.yaml in pure Python takes a quarter second.
BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CloudFormationLoader(BaseLoader):  # type: ignore[valid-type,misc]  # either loader, chosen above
    """Reads !Ref, !Sub and the other short-form intrinsics as {"Ref": ...}, {"Sub": ...} values."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node, deep=True)}
    return {suffix: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]


CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@functools.cache
def parsed_template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=CloudFormationLoader)  # a SafeLoader subclass


def raw_template() -> dict[str, Any]:
    """template.yaml as written, conditions and all, parsed once per process; each caller gets its own copy."""
    return copy.deepcopy(parsed_template())


def template(parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """template.yaml as CloudFormation deploys it with the defaults (or these `parameters`): each
    Fn::If resolved, AWS::NoValue dropped, resources whose condition is false left out."""
    return as_deployed(raw_template(), parameters or {})


NO_VALUE = object()  # AWS::NoValue: the property or list item is left out
PSEUDO_PARAMETERS = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}


def as_deployed(doc: dict[str, Any], parameters: dict[str, str]) -> dict[str, Any]:
    values = {name: str(p.get("Default", "")) for name, p in doc.get("Parameters", {}).items()}
    values |= PSEUDO_PARAMETERS | parameters
    conditions: dict[str, bool] = {}

    def truth(expression: Any) -> bool:
        if isinstance(expression, dict) and "Condition" in expression:
            return condition(expression["Condition"])
        ((function, arguments),) = expression.items()
        if function in ("Equals", "Fn::Equals"):
            left, right = (value(a) for a in arguments)
            return str(left) == str(right)
        if function in ("Not", "Fn::Not"):
            return not truth(arguments[0])
        if function in ("And", "Fn::And"):
            return all(truth(a) for a in arguments)
        if function in ("Or", "Fn::Or"):
            return any(truth(a) for a in arguments)
        raise ValueError(f"condition function {function} is not known here")

    def value(argument: Any) -> Any:
        if isinstance(argument, dict) and "Ref" in argument and argument["Ref"] in values:
            return values[argument["Ref"]]
        return argument

    def condition(name: str) -> bool:
        if name not in conditions:
            conditions[name] = truth(doc["Conditions"][name])
        return conditions[name]

    def resolved(node: Any) -> Any:
        """Each Fn::If as its branch; AWS::NoValue as NO_VALUE, which its container drops."""
        if isinstance(node, dict):
            if set(node) in ({"If"}, {"Fn::If"}):
                name, then, otherwise = next(iter(node.values()))
                return resolved(then if condition(name) else otherwise)
            if node == {"Ref": "AWS::NoValue"}:
                return NO_VALUE
            return {k: r for k, v in node.items() if (r := resolved(v)) is not NO_VALUE}
        if isinstance(node, list):
            return [r for item in node if (r := resolved(item)) is not NO_VALUE]
        return node

    deployed = resolved(doc)
    deployed["Resources"] = {
        logical_id: resource
        for logical_id, resource in deployed.get("Resources", {}).items()
        if "Condition" not in resource or condition(resource["Condition"])
    }
    return deployed


def samconfig() -> dict[str, Any]:
    return tomllib.loads(SAMCONFIG.read_text())


def function_environment(doc: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """The environment a function gets: Globals, then its own variables on top (as SAM merges them)."""
    merged = dict(doc.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))
    own = doc["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    return merged | own
