"""The Lambda package holds core/ and handlers/ only (src/Makefile): neither may import the CLI, the
demo or a library that only the CLI installs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGED = ("core", "handlers")
OUTSIDE_THE_PACKAGE = frozenset({"cli", "demo", "rich"})


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", sorted(p for folder in PACKAGED for p in (SRC / folder).rglob("*.py")), ids=str)
def test_packaged_code_imports_nothing_the_package_lacks(path: Path) -> None:
    assert not imported_roots(path) & OUTSIDE_THE_PACKAGE, f"{path.relative_to(SRC)} imports outside the package"


def test_imports_inside_functions_are_seen(tmp_path: Path) -> None:
    module = tmp_path / "late.py"
    module.write_text("def show():\n    from rich.progress import Progress\n    import demo.world\n")
    assert imported_roots(module) == {"rich", "demo"}
