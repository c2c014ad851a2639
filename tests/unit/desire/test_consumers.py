"""Providers see their consumers: in the plan's JSON, and on the dashboard, ranked live and listed with their accounts."""

import json
from dataclasses import replace

from core.artifacts.kind import Plan
from core.desire.consumers import MAX_TABLE_ROWS, RANKINGS, TOP_CONSUMERS, search_expression
from core.desire.dashboards import PROVIDER_RULES
from core.desire.state import desired_state
from core.model import ActualState, EndpointConnection
from core.reconcile import Outcome
from core.report import summary
from core.settings import Settings
from tests.builders import endpoint, flow_log, inventory, load_balancer

SETTINGS = Settings()
CONSUMERS = (
    EndpointConnection("vpce-svc-1", "vpce-a1", "111122223333", "available", region="us-east-1"),
    EndpointConnection("vpce-svc-1", "vpce-b2", "444455556666", "pendingAcceptance", region="us-east-1"),
    EndpointConnection("vpce-svc-1", "vpce-c3", "777788889999", "available", region="eu-west-1"),
)


def provider(consumers=CONSUMERS, **kwargs):
    return replace(load_balancer(**kwargs), consumers=consumers)


def dashboard_widgets(*items, settings: Settings = SETTINGS) -> list[dict]:
    state = desired_state(inventory(*items), settings)
    return [w for d in state.dashboards.values() for w in json.loads(d.body)["widgets"]]


def consumer_texts(widgets: list[dict]) -> list[str]:
    return [
        w["properties"]["markdown"]
        for w in widgets
        if w["type"] == "text" and w["properties"]["markdown"].startswith("#### Consumers of")
    ]


def rankings(widgets: list[dict]) -> list[dict]:
    return [w for w in widgets if w["type"] == "metric" and "expression" in str(w["properties"].get("metrics"))]


def test_the_plan_json_lists_each_consumer_with_its_account_and_state_and_keeps_its_other_fields() -> None:
    state = desired_state(inventory(provider(), endpoint(), flow_log()), SETTINGS)
    outcome = Outcome(inventory(), state, ActualState(), Plan(), None)
    entries = {e["kind"]: e for e in summary(outcome, dry_run=True)["coverage"]}
    lb = entries["Network Load Balancer"]
    assert lb["consumers"] == [
        {"endpoint_service": "vpce-svc-1", "endpoint": "vpce-a1", "account": "111122223333", "state": "available", "region": "us-east-1"},
        {"endpoint_service": "vpce-svc-1", "endpoint": "vpce-b2", "account": "444455556666", "state": "pendingAcceptance", "region": "us-east-1"},
        {"endpoint_service": "vpce-svc-1", "endpoint": "vpce-c3", "account": "777788889999", "state": "available", "region": "eu-west-1"},
    ]  # fmt: skip
    assert {"id", "kind", "side", "state", "vpc", "enis", "monitored", "endpoint_services"} <= set(lb)
    assert "consumers" not in entries["interface endpoint"]  # an endpoint is a consumer, it has none


def test_a_service_without_consumers_lists_none() -> None:
    state = desired_state(inventory(provider(consumers=())), SETTINGS)
    outcome = Outcome(inventory(), state, ActualState(), Plan(), None)
    assert summary(outcome, dry_run=True)["coverage"][0]["consumers"] == []
    (text,) = consumer_texts(dashboard_widgets(provider(consumers=())))
    assert "No consumer endpoint is connected" in text


def test_each_endpoint_service_ranks_its_consumers_live_by_bytes_new_connections_and_resets() -> None:
    found = rankings(dashboard_widgets(provider(endpoint_services=("vpce-svc-1", "vpce-svc-2"))))
    assert len(found) == len(RANKINGS) * 2
    (expression,) = found[0]["properties"]["metrics"][0]
    assert expression["expression"] == (
        'SORT(SEARCH(\'{"AWS/PrivateLinkServices","Service Id","VPC Endpoint Id"} MetricName="BytesProcessed" '
        '"Service Id"="vpce-svc-1"\', \'Sum\', 300), SUM, DESC, 10)'
    )
    assert expression["label"] == "${PROP('Dim.VPC Endpoint Id')}"  # the legend names each consumer endpoint
    metrics = {(w["properties"]["title"].split(":")[0], w["properties"]["metrics"][0][0]["expression"]) for w in found}
    for service in ("vpce-svc-1", "vpce-svc-2"):
        for _, metric, _ in RANKINGS:
            assert (service, search_expression(metric, service, 300)) in metrics
    assert all(f"top {TOP_CONSUMERS} consumers" in w["properties"]["title"] for w in found)


def test_the_rankings_of_resets_and_connections_draw_the_consumer_alarms_thresholds_over_their_period() -> None:
    tags = {"plinsights:consumer-resets-threshold": "25", "plinsights:resets-period": "600"}
    found = {w["properties"]["title"]: w["properties"] for w in rankings(dashboard_widgets(provider(tags=tags)))}
    resets = next(p for t, p in found.items() if "resets sent" in t)
    assert resets["period"] == 600 and "RstPacketsSent" in resets["metrics"][0][0]["expression"]
    assert "'Sum', 600)" in resets["metrics"][0][0]["expression"]
    assert resets["annotations"]["horizontal"] == [
        {"label": "plinsights-vpce-svc-1-consumer-resets: any one consumer", "value": 25.0, "color": "#d62728"}
    ]
    connections = next(p for t, p in found.items() if "new connections" in t)
    assert connections["annotations"]["horizontal"][0]["value"] == SETTINGS.consumer_connections_threshold
    assert "annotations" not in next(p for t, p in found.items() if "by bytes" in t)  # no alarm on bytes


def test_a_service_past_the_query_alarm_limit_is_ranked_without_a_threshold_line() -> None:
    found = rankings(dashboard_widgets(provider(), settings=Settings(query_alarm_limit=0)))
    assert len(found) == len(RANKINGS) and not any("annotations" in w["properties"] for w in found)


def test_the_consumers_table_names_accounts_states_and_what_no_metric_is_published_for() -> None:
    (text,) = consumer_texts(dashboard_widgets(provider()))
    assert "3 consumer endpoints in 3 accounts" in text
    assert "| vpce-a1 | 111122223333 | available |" in text
    assert "| vpce-b2 | 444455556666 | pendingAcceptance (no traffic) |" in text
    assert "from eu-west-1 (cross-Region: no per-consumer metrics)" in text
    assert "`plinsights-vpce-svc-1-consumer-connections`, `plinsights-vpce-svc-1-consumer-resets`" in text
    assert "plinsights explain vpce-svc-1" in text


def test_a_long_list_of_consumers_is_cut_and_counted() -> None:
    many = tuple(EndpointConnection("vpce-svc-1", f"vpce-{i:03}", "111122223333", "available") for i in range(40))
    (text,) = consumer_texts(dashboard_widgets(provider(consumers=many)))
    assert text.count("| vpce-") == MAX_TABLE_ROWS
    assert f"... and {40 - MAX_TABLE_ROWS} more" in text


def test_the_dashboard_changes_when_a_consumer_comes_or_goes_and_not_otherwise() -> None:
    before = desired_state(inventory(provider()), SETTINGS).dashboards
    assert desired_state(inventory(provider()), SETTINGS).dashboards == before
    joined = (*CONSUMERS, EndpointConnection("vpce-svc-1", "vpce-d4", "111122223333", "available"))
    assert desired_state(inventory(provider(consumers=joined)), SETTINGS).dashboards != before


def test_a_providers_section_says_its_rules_never_show_its_consumers() -> None:
    texts = [w["properties"]["markdown"] for w in dashboard_widgets(provider(), flow_log()) if w["type"] == "text"]
    (section,) = [t for t in texts if t.startswith("### Network Load Balancer")]
    assert PROVIDER_RULES in section
    (consumer_side,) = [
        t
        for t in dashboard_widgets(endpoint(), flow_log())
        if t["type"] == "text" and "### interface" in t["properties"]["markdown"]
    ]
    assert PROVIDER_RULES not in consumer_side["properties"]["markdown"]
