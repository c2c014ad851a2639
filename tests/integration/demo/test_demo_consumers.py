"""The demo's provider and its consumers in other accounts: connected, their traffic simulated, and
ranked with their accounts as the dashboard's SEARCH widgets and the picture draw them."""

from datetime import UTC, datetime, timedelta

from botocore.config import Config

from core.clients import Clients
from core.reconcile import run_reconcile
from demo.consumers import CONSUMERS, connect_consumers, ranking, simulate_consumer_metrics
from demo.dashboard_data import read_widget_data
from demo.world import build_demo_world
from tests.integration.conftest import Harness


def test_the_consumers_rank_by_their_simulated_traffic_with_their_accounts(aws: Harness, moto_endpoint: str) -> None:
    demo = build_demo_world(aws.world)
    service = demo.endpoint_service.rsplit(".", 1)[1]
    endpoints = connect_consumers(moto_endpoint, service)
    assert sorted(c.account for c in endpoints.values()) == sorted(c.account for c in CONSUMERS)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    writer = aws.world.session.client("cloudwatch", config=Config(disable_request_compression=True))
    assert simulate_consumer_metrics(writer, service, endpoints, now) > 0
    accounts = {endpoint: c.account for endpoint, c in endpoints.items()}
    by_bytes = ranking(aws.world.cloudwatch, service, "BytesProcessed", now + timedelta(minutes=1), accounts)
    heaviest = max((c for c in CONSUMERS if c.state == "available"), key=lambda c: c.gigabytes)
    assert by_bytes[0][1] == heaviest.account
    assert len(by_bytes) == sum(1 for c in CONSUMERS if c.state == "available")  # a pending consumer has no series
    assert [total for _, _, total in by_bytes] == sorted((total for _, _, total in by_bytes), reverse=True)

    outcome = run_reconcile(Clients(session=aws.world.session), aws.settings)
    bodies = [d.body for d in outcome.desired.dashboards.values()]
    data = read_widget_data(aws.world.cloudwatch, bodies, now + timedelta(minutes=1))
    bytes_rankings = [series for text, series in data.expressions.items() if "BytesProcessed" in text]
    assert [[label for label, _ in series] for series in bytes_rankings] == [[e for e, _, _ in by_bytes]]
