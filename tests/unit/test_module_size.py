"""No module over 400 lines: one that grows past it is split by meaning (the code's, the tests', the
benchmark's and the scripts' alike)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("src", "tests", "bench", "scripts")
MAX_LINES = 400


def test_no_module_is_over_400_lines() -> None:
    modules = [path for folder in FOLDERS for path in (ROOT / folder).rglob("*.py")]
    assert len(modules) > 100  # the folders were found
    lines = {str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines()) for path in modules}
    assert {path: count for path, count in lines.items() if count > MAX_LINES} == {}
