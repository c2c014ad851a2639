"""The demo's dashboard data: simulated PrivateLink metrics and alarm states, read back from the local account."""

from datetime import UTC, datetime

from botocore.config import Config

from core.desire.state import desired_state
from core.settings import Settings
from demo.dashboard_data import HISTORY, STEP, dashboard_metric_rows, read_widget_data, simulate_metrics
from tests.builders import endpoint, flow_log, inventory
from tests.integration.conftest import Harness

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
DROPS_BURST = 3.0  # the one period with dropped packets in the simulated history


def test_every_metric_the_dashboard_draws_reads_back_as_a_time_series(aws: Harness) -> None:
    bodies = [d.body for d in desired_state(inventory(endpoint(), flow_log()), Settings()).dashboards.values()]
    writer = aws.world.session.client("cloudwatch", config=Config(disable_request_compression=True))
    rows = dashboard_metric_rows(bodies)
    points = int(HISTORY / STEP) + 1
    assert simulate_metrics(writer, bodies, NOW) == len(rows) * points
    data = read_widget_data(aws.world.cloudwatch, bodies, NOW)
    assert set(data.series) == {row.key for row, _ in rows}
    assert all(len(series) == points for series in data.series.values())
    drops = next(series for key, series in data.series.items() if key[1] == "PacketsDropped")
    assert sorted(value for _, value in drops if value) == [DROPS_BURST]
