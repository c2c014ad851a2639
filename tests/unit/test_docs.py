"""The README stays short and points into docs/; every relative link in them reaches a file and heading."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
CHANGELOG = ROOT / "CHANGELOG.md"
PAGES = [README, CHANGELOG, *sorted(DOCS.glob("*.md"))]
README_LIMIT = 20_000  # characters: a README read in minutes; depth lives in docs/

FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def prose(text: str) -> str:
    """The text a renderer reads links and headings from: no fenced blocks, no code spans."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every anchor of a page; a repeated heading gets -1, -2 … as on GitHub."""
    seen: Counter[str] = Counter()
    found = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        base = slug(heading)
        found.add(base if seen[base] == 0 else f"{base}-{seen[base]}")
        seen[base] += 1
    return found


def relative_links(page: Path) -> list[str]:
    targets = LINK.findall(prose(page.read_text(encoding="utf-8")))
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t)]  # http:, https:, mailto: …


LINKS = [(page, target) for page in PAGES for target in relative_links(page)]


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Tags on endpoints, load balancers and VPCs", "tags-on-endpoints-load-balancers-and-vpcs"),
        ("Many accounts and Regions: CloudFormation StackSets", "many-accounts-and-regions-cloudformation-stacksets"),
        ("Deployments are isolated by IAM, not only by code", "deployments-are-isolated-by-iam-not-only-by-code"),
        ("Why Powertools is bundled, not a layer", "why-powertools-is-bundled-not-a-layer"),
    ],
)
def test_anchor_follows_githubs_rule(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def test_readme_reads_in_minutes() -> None:
    assert len(README.read_text(encoding="utf-8")) <= README_LIMIT


def test_readme_keeps_the_two_commands_and_one_picture() -> None:
    text = README.read_text(encoding="utf-8")
    assert re.search(r"^make demo\b", text, re.MULTILINE)
    assert re.search(r"^make test\b", text, re.MULTILINE)
    assert text.count("```mermaid") == 1


def test_readme_links_every_docs_page() -> None:
    linked = {(README.parent / target.split("#")[0]).resolve() for target in relative_links(README)}
    pages = sorted(DOCS.glob("*.md"))
    assert pages, "docs/ has pages"
    assert [p.name for p in pages if p.resolve() not in linked] == []


def test_every_docs_page_links_back_to_the_readme() -> None:
    unlinked = [p.name for p in DOCS.glob("*.md") if "../README.md" not in relative_links(p)]
    assert unlinked == []


@pytest.mark.parametrize(("page", "target"), LINKS, ids=[f"{p.name}->{t}" for p, t in LINKS])
def test_relative_link_reaches_a_file_and_heading(page: Path, target: str) -> None:
    path, _, anchor = target.partition("#")
    destination = (page.parent / path).resolve() if path else page
    assert destination.is_file(), f"{page.name}: {target} names no file"
    if anchor:
        assert anchor in anchors(destination), f"{page.name}: {target} names no heading of {destination.name}"
