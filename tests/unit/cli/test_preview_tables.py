"""The text of preview and top: one heading per resource and rule kind, a table per rule under it."""

from __future__ import annotations

import pytest

from cli.preview import print_tables
from core.desire.rules import RULE_TEMPLATES
from core.inspect.insights_eval import Contributor, Evaluation
from core.inspect.preview import RuleReport
from core.model import RuleKind


def report(name: str, resource: str, kind: RuleKind, log_group: str, top: int) -> RuleReport:
    evaluation = Evaluation((Contributor(("10.0.0.1", "10.0.0.2"), top),), ("srcaddr", "dstaddr"), 1, 1)
    return RuleReport(name, resource, kind.value, (log_group,), 1, evaluation)


def test_a_kind_read_from_two_log_groups_gets_one_heading_over_a_table_per_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reports = [
        report("r-bytes-a", "vpce-1", RuleKind.BYTES, "/flow/a", 700),
        report("r-bytes-b", "vpce-1", RuleKind.BYTES, "/flow/b", 500),
        report("r-rejects-a", "vpce-1", RuleKind.REJECTS, "/flow/a", 3),
        report("r2-bytes-a", "vpce-2", RuleKind.BYTES, "/flow/a", 90),
    ]
    print_tables(reports, "Preview", live=False)
    out = capsys.readouterr().out
    headings = [line for line in out.splitlines() if line.startswith("vpce-")]
    bytes_title, rejects_title = RULE_TEMPLATES[RuleKind.BYTES].title, RULE_TEMPLATES[RuleKind.REJECTS].title
    assert headings == [f"vpce-1: {bytes_title}", f"vpce-1: {rejects_title}", f"vpce-2: {bytes_title}"]
    assert [line.split()[1] for line in out.splitlines() if line.startswith("rule ")] == [r.name for r in reports]
