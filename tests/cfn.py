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


def template() -> dict[str, Any]:
    """template.yaml, parsed once per process; each caller gets its own copy to change."""
    return copy.deepcopy(parsed_template())


def samconfig() -> dict[str, Any]:
    return tomllib.loads(SAMCONFIG.read_text())


def function_environment(doc: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """The environment a function gets: Globals, then its own variables on top (as SAM merges them)."""
    merged = dict(doc.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))
    own = doc["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    return merged | own
