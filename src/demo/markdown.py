"""Markdown as a CloudWatch text widget renders it, for the demo's dashboard pictures: headings,
paragraphs, lists, tables and code (fenced and inline), what our text widgets use."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

INLINE = (
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)"), r'<a href="\2">\1</a>'),
)


def inline_html(text: str) -> str:
    out = html.escape(text, quote=False)
    for pattern, replacement in INLINE:
        out = pattern.sub(replacement, out)
    return out


def table_cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def markdown_html(markdown: str) -> str:
    """Headings, paragraphs, lists, tables and code (fenced and inline): what our text widgets use."""
    out: list[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        stripped = line.strip()
        if not stripped:
            i += 1
        elif stripped.startswith("```"):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip().startswith("```")), len(lines))
            out.append(f"<pre><code>{html.escape(chr(10).join(lines[i + 1 : end]))}</code></pre>")
            i = end + 1
        elif heading := re.match(r"(#{1,6})\s+(.*)", stripped):
            level = len(heading.group(1))
            out.append(f"<h{level}>{inline_html(heading.group(2))}</h{level}>")
            i += 1
        elif stripped.startswith("|"):
            block = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                block.append(lines[i])
                i += 1
            out.append(table_html(block))
        elif re.match(r"([-*]|\d+\.)\s", stripped):
            ordered = bool(re.match(r"\d+\.", stripped))
            items = []
            while i < len(lines) and re.match(r"\s*([-*]|\d+\.)\s", lines[i]):
                items.append(re.sub(r"^\s*([-*]|\d+\.)\s+", "", lines[i]))
                i += 1
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>{''.join(f'<li>{inline_html(item)}</li>' for item in items)}</{tag}>")
        else:
            paragraph = []
            while i < len(lines) and lines[i].strip() and not re.match(r"\s*(#|\||```|[-*]\s|\d+\.\s)", lines[i]):
                paragraph.append(lines[i].strip())
                i += 1
            out.append(f"<p>{inline_html(' '.join(paragraph))}</p>")
    return "".join(out)


def table_html(block: Sequence[str]) -> str:
    rows = [table_cells(line) for line in block]
    has_header = len(rows) > 1 and all(re.fullmatch(r":?-{3,}:?", cell) for cell in rows[1])
    head = f"<thead><tr>{''.join(f'<th>{inline_html(c)}</th>' for c in rows[0])}</tr></thead>" if has_header else ""
    body = rows[2:] if has_header else rows
    cells = "".join(f"<tr>{''.join(f'<td>{inline_html(c)}</td>' for c in row)}</tr>" for row in body)
    return f"<table>{head}<tbody>{cells}</tbody></table>"
