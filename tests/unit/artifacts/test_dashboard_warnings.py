"""PutDashboard's DashboardValidationMessages (warnings on a body it accepted) reach the run's
notes and its log; moto never answers any, so botocore's Stubber answers as CloudWatch does."""

import logging

import boto3
from botocore.stub import Stubber

from core.apply.writes import apply_plan
from core.artifacts import DASHBOARDS
from core.artifacts.kind import Create, Plan
from core.clients import Clients
from core.model import DashboardSpec
from core.settings import Settings

WARNINGS = [
    {"DataPath": "/widgets/3/properties/metrics/0", "Message": "The metric has no data in this Region"},
    {"DataPath": "/widgets/7", "Message": "Unknown widget property: foo"},
]


def test_every_dashboard_validation_message_becomes_a_note_and_a_log_line(caplog) -> None:
    clients = Clients(boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"))
    dashboard = DashboardSpec("PrivateLink-us-east-1", '{"widgets": []}')
    plan = Plan(changes=(Create(DASHBOARDS, dashboard.name, "newly needed", dashboard),))
    with Stubber(clients.cloudwatch) as stub, caplog.at_level(logging.WARNING, logger="core.artifacts.dashboards"):
        stub.add_response(
            "put_dashboard",
            {"DashboardValidationMessages": WARNINGS},
            {"DashboardName": dashboard.name, "DashboardBody": dashboard.body},
        )
        result = apply_plan(plan, clients, Settings())
    assert [c.name for c in result.done] == [dashboard.name] and not result.failed  # written, with warnings
    assert len(result.notes) == len(WARNINGS)
    for message in WARNINGS:
        assert any(message["DataPath"] in n and message["Message"] in n for n in result.notes)
        assert any(message["Message"] in r.getMessage() for r in caplog.records)


def test_a_dashboard_written_without_messages_adds_no_note() -> None:
    clients = Clients(boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"))
    dashboard = DashboardSpec("PrivateLink-us-east-1", '{"widgets": []}')
    plan = Plan(changes=(Create(DASHBOARDS, dashboard.name, "newly needed", dashboard),))
    with Stubber(clients.cloudwatch) as stub:
        stub.add_response("put_dashboard", {}, {"DashboardName": dashboard.name, "DashboardBody": dashboard.body})
        result = apply_plan(plan, clients, Settings())
    assert result.notes == [] and len(result.done) == 1
