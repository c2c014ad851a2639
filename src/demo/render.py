"""A picture of a dashboard's layout, for a person without a CloudWatch console: an HTML page
with each widget drawn where CloudWatch would place it."""

from __future__ import annotations

import html
import json
from typing import Any

ROW_PX = 34  # one grid row; CloudWatch's rows are about this tall
PALETTE = {"text": "#eef3f8", "metric": "#fff7e6", "alarm": "#fdecec"}


def widget_label(widget: dict[str, Any]) -> tuple[str, list[str]]:
    props = widget.get("properties", {})
    if widget["type"] == "text":
        lines = [line.strip("#| ") for line in props.get("markdown", "").splitlines() if line.strip("#|- ")]
        return lines[0] if lines else "text", lines[1:6]
    if "insightRule" in props:
        return props.get("title", "Contributor Insights"), [
            f"top {props['insightRule']['maxContributorCount']} of rule {props['insightRule']['ruleName']}"
        ]
    if widget["type"] == "alarm":
        return props.get("title", "alarms"), [arn.rsplit(":", 1)[-1] for arn in props.get("alarms", [])]
    metrics = props.get("metrics", [])
    return props.get("title", "metrics"), sorted(
        {f"{row[0]} {row[1]}" for row in metrics if isinstance(row, list) and len(row) > 1}
    )


def dashboard_html(name: str, body: str) -> str:
    widgets = json.loads(body)["widgets"]
    height = max((w["y"] + w["height"] for w in widgets), default=0) * ROW_PX
    boxes = []
    for widget in widgets:
        title, lines = widget_label(widget)
        style = (
            f"left:{widget['x'] / 24 * 100:.4f}%;top:{widget['y'] * ROW_PX}px;"
            f"width:calc({widget['width'] / 24 * 100:.4f}% - 6px);height:{widget['height'] * ROW_PX - 6}px;"
            f"background:{PALETTE.get(widget['type'], '#fff')}"
        )
        detail = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
        kind = html.escape(widget["type"])
        boxes.append(f'<div class="w" style="{style}"><b>{kind}</b> {html.escape(title)}<ul>{detail}</ul></div>')
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(name)}</title>
<style>
body {{ font: 13px system-ui, sans-serif; margin: 16px; }}
.board {{ position: relative; height: {height}px; }}
.w {{ position: absolute; box-sizing: border-box; border: 1px solid #9aa7b4; border-radius: 4px;
      padding: 4px 6px; overflow: hidden; }}
.w ul {{ margin: 2px 0 0 0; padding-left: 16px; color: #444; }}
</style></head>
<body><h1>{html.escape(name)}</h1>
<p>{len(widgets)} widgets, laid out as CloudWatch places them on its 24-column grid.</p>
<div class="board">{"".join(boxes)}</div></body></html>
"""
