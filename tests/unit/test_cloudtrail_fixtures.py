"""The CloudTrail and tag-change records under tests/fixtures/cloudtrail carry their provenance and hold the shapes
their source files claim; tests/fixtures/README.md describes every fixture and marks each INFERRED one."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CLOUDTRAIL = FIXTURES / "cloudtrail"
SOURCE_SUFFIX = ".source.json"
CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"


def _sources() -> list[Path]:
    return sorted(CLOUDTRAIL.glob(f"*{SOURCE_SUFFIX}"))


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def _resolve(document: Any, dotted: str) -> Any:
    """Follows a dotted path; a numeric step indexes a list, any other step names an object key."""
    node = document
    for step in dotted.split("."):
        if isinstance(node, list):
            assert step.isdigit(), f"{dotted}: {step!r} on a list"
            node = node[int(step)]
        else:
            assert isinstance(node, dict) and step in node, f"{dotted}: no {step!r}"
            node = node[step]
    return node


SOURCE_IDS = [path.name.removesuffix(SOURCE_SUFFIX) for path in _sources()]


def test_every_record_has_a_source_file_and_every_source_file_a_record() -> None:
    records = {path.name for path in CLOUDTRAIL.glob("*.json") if not path.name.endswith(SOURCE_SUFFIX)}
    described = {_load(path)["record"] for path in _sources()}
    assert records == described
    assert {name.removesuffix(".json") for name in records} == set(SOURCE_IDS)


@pytest.mark.parametrize("source_path", _sources(), ids=SOURCE_IDS)
def test_a_record_is_the_event_its_source_file_names(source_path: Path) -> None:
    source = _load(source_path)
    record = _load(CLOUDTRAIL / source["record"])
    event = source["event"]
    if source["envelope"] == "eventbridge":
        assert record["version"] == "0" and isinstance(record["resources"], list)
        assert record["source"] == event["source"] and record["detail-type"] == event["detail-type"]
        trail = record["detail"] if record["detail-type"] == CLOUDTRAIL_DETAIL_TYPE else None
    else:
        assert source["envelope"] == "cloudtrail-record"
        trail = record
    if trail is not None:
        assert (trail["eventSource"], trail["eventName"]) == (event["eventSource"], event["eventName"])
        assert "errorCode" not in trail
    for dotted in source["paths"]:
        _resolve(record, dotted)


@pytest.mark.parametrize("source_path", _sources(), ids=SOURCE_IDS)
def test_a_source_file_says_where_the_record_came_from_or_that_it_is_inferred(source_path: Path) -> None:
    source = _load(source_path)
    assert source["licence"] and source["shape"] and source["paths"] and source["as_published"]
    origin = source["source"]
    if source["inferred"]:
        assert source["inferred_from"] and origin["built_from"]
        assert source["as_published"].endswith("INFERRED")
    else:
        assert "inferred_from" not in source
        assert origin.get("url") or {"repository", "commit", "path"} <= origin.keys()
        if "commit" in origin:
            assert re.fullmatch(r"[0-9a-f]{40}", origin["commit"])


def test_the_readme_describes_every_fixture_and_marks_each_inferred_one() -> None:
    readme = (FIXTURES / "README.md").read_text()
    for path in sorted(FIXTURES.glob("*/*")):
        assert f"`{path.name}`" in readme, f"{path.name} is not described in tests/fixtures/README.md"
    lines = readme.splitlines()
    for source_path in _sources():
        source = _load(source_path)
        mentions = [line for line in lines if f"`{source['record']}`" in line]
        assert any("INFERRED" in line for line in mentions) == source["inferred"], source["record"]
