"""CloudWatch dashboards as an artifact kind: PutDashboard takes no tags, so ours carry a mark in the body."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from core.artifacts.canonical import canonical_definition
from core.artifacts.kind import ArtifactKind, Reading, Write
from core.artifacts.ownership import is_ours
from core.model import DashboardSpec, Observed, ObservedArtifact
from core.settings import Settings

if TYPE_CHECKING:
    from core.clients import Clients


LOGGER = logging.getLogger(__name__)

NAMES_PER_DELETE = 100  # DeleteDashboards takes a list; batched like the other deletes


def dashboard_name(settings: Settings, region: str, part: int) -> str:
    """`<dashboard prefix>-<Region>`, then `-2`, `-3`, ... for the parts past the widget limit."""
    base = f"{settings.dashboard_prefix}-{region}"
    return base if part == 1 else f"{base}-{part}"


def observe_dashboards(reading: Reading, kind: ArtifactKind) -> tuple[dict[str, Observed], tuple[str, ...]]:
    clients, settings = reading.clients, reading.settings
    base = dashboard_name(settings, clients.region, 1)
    ours = re.compile(rf"{re.escape(base)}(-[0-9]+)?")
    owned: dict[str, Observed] = {}
    lookalikes: list[str] = []
    for page in clients.cloudwatch.get_paginator("list_dashboards").paginate(DashboardNamePrefix=base):
        for entry in page.get("DashboardEntries", []):
            name = entry["DashboardName"]
            if not ours.fullmatch(name):
                continue
            body = clients.cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"]
            if is_ours(body, settings):
                owned[name] = ObservedArtifact(name, canonical_definition(body))
            else:
                lookalikes.append(name)
    return owned, tuple(sorted(lookalikes))


def write_dashboard(clients: Clients, settings: Settings, change: Write, notes: list[str]) -> dict[str, str]:
    """PutDashboard answers DashboardValidationMessages for a body it accepted with warnings (some
    widgets may not render): each one becomes a note of the run and a log line, never dropped."""
    dashboard = change.spec
    assert isinstance(dashboard, DashboardSpec)
    answer = clients.cloudwatch.put_dashboard(DashboardName=dashboard.name, DashboardBody=dashboard.body)
    for message in answer.get("DashboardValidationMessages") or []:
        note = (
            f"dashboard {dashboard.name} written with a warning at {message.get('DataPath') or 'its body'}: "
            f"{message.get('Message') or 'no message'}"
        )
        LOGGER.warning(note)
        notes.append(note)
    return {}


def delete_dashboards(clients: Clients, names: list[str]) -> dict[str, str]:
    clients.cloudwatch.delete_dashboards(DashboardNames=names)
    return {}


def dashboard_is_ours_now(clients: Clients, settings: Settings, name: str) -> bool:
    return is_ours(clients.cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"], settings)


DASHBOARDS = ArtifactKind(
    name="dashboard",
    arn_type="",
    observe=observe_dashboards,
    is_ours_now=dashboard_is_ours_now,
    write=write_dashboard,
    delete=delete_dashboards,
    write_operation="PutDashboard",
    delete_operation="DeleteDashboards",
    names_per_delete=NAMES_PER_DELETE,
    write_rate=lambda settings: settings.dashboard_write_rate,
)
