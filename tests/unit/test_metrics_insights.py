"""The local server's Metrics Insights subset: what it parses, what it refuses and why, and the
series it makes of stored datapoints (CloudWatch user guide, "Query components and syntax")."""

from __future__ import annotations

import pytest

from demo.local_server.metrics_insights import (
    OTHER,
    Condition,
    QuerySyntaxError,
    Sample,
    UnimplementedQueryError,
    evaluate,
    parse,
)

NS = "AWS/PrivateLinkServices"
QUERY = f'SELECT MAX(BytesProcessed) FROM SCHEMA("{NS}", "Service Id", "VPC Endpoint Id") GROUP BY "VPC Endpoint Id"'


def sample(
    endpoint: str | None, value: float, at: float, service: str = "vpce-svc-1", metric: str = "BytesProcessed"
) -> Sample:
    dims = {"Service Id": service} | ({"VPC Endpoint Id": endpoint} if endpoint else {})
    return Sample(NS, metric, tuple(sorted(dims.items())), at, value, 1, value, value)


def test_a_full_query_is_read_keywords_in_any_case_names_exact() -> None:
    query = parse(
        f'select sum(NewConnections) from schema("{NS}", "Service Id", "VPC Endpoint Id") '
        "where \"Service Id\" = 'vpce-svc-1' and \"VPC Endpoint Id\" != 'vpce-0' "
        'group by "VPC Endpoint Id" order by max() desc limit 5'
    )
    assert (query.function, query.metric, query.namespace, query.schema) == (
        "SUM",
        "NewConnections",
        NS,
        frozenset({"Service Id", "VPC Endpoint Id"}),
    )
    assert query.where == (Condition("Service Id", True, "vpce-svc-1"), Condition("VPC Endpoint Id", False, "vpce-0"))
    assert (query.group_by, query.order_by, query.descending, query.limit) == (("VPC Endpoint Id",), "MAX", True, 5)


@pytest.mark.parametrize(
    "text",
    [
        f"SELECT MAX(x) FROM \"{NS}\" WHERE a = 'b' OR a = 'c'",
        f"SELECT MAX(x) FROM \"{NS}\" WHERE a LIKE 'b%'",
        f"SELECT MAX(x) FROM \"{NS}\" WHERE a IN ('b')",
        f'SELECT PERCENTILE(x) FROM "{NS}"',
        f'SELECT MAX(x) FROM SCHEMA("{NS}", tag.Team)',
    ],
    ids=["OR", "LIKE", "IN", "another function", "a tag label"],
)
def test_what_the_subset_lacks_is_refused_as_not_implemented(text: str) -> None:
    with pytest.raises(UnimplementedQueryError):
        parse(text)


@pytest.mark.parametrize(
    "text",
    [
        "MAX(x)",
        f'SELECT MAX(x) "{NS}"',
        f'SELECT MAX(x) FROM "{NS}" WHERE a = b',
        f'SELECT MAX(x) FROM "{NS}" LIMIT 501',
        "SELECT MAX(x) FROM AWS/EC2",
    ],
    ids=["no SELECT", "no FROM", "unquoted value", "LIMIT over 500", "unquoted slash"],
)
def test_what_is_not_metrics_insights_is_a_syntax_error(text: str) -> None:
    with pytest.raises(QuerySyntaxError):
        parse(text)


def test_group_by_makes_a_series_per_label_value_aggregated_per_period() -> None:
    samples = [sample("vpce-1", 10, 0), sample("vpce-1", 30, 30), sample("vpce-2", 5, 60), sample("vpce-1", 7, 60)]
    result = evaluate(parse(QUERY), samples, 0, 120, 60)
    assert [(s.labels, s.points) for s in result.series] == [
        ((("VPC Endpoint Id", "vpce-1"),), {0: 30, 60: 7}),
        ((("VPC Endpoint Id", "vpce-2"),), {60: 5}),
    ]
    assert not result.partial


def test_schema_takes_the_exact_dimension_set_and_from_takes_any() -> None:
    samples = [sample("vpce-1", 10, 0), sample(None, 99, 0)]  # the second has {Service Id} only
    assert [s.points for s in evaluate(parse(QUERY), samples, 0, 60, 60).series] == [{0: 10}]
    anything = parse(f'SELECT SUM(BytesProcessed) FROM "{NS}"')
    assert [s.points for s in evaluate(anything, samples, 0, 60, 60).series] == [{0: 109}]


def test_a_metric_without_a_group_label_is_grouped_as_other() -> None:
    query = parse(f'SELECT SUM(BytesProcessed) FROM "{NS}" GROUP BY "VPC Endpoint Id"')
    labels = [s.labels for s in evaluate(query, [sample("vpce-1", 1, 0), sample(None, 2, 0)], 0, 60, 60).series]
    assert labels == [(("VPC Endpoint Id", OTHER),), (("VPC Endpoint Id", "vpce-1"),)]


@pytest.mark.parametrize(
    ("function", "value"), [("AVG", 20.0), ("SUM", 60.0), ("MIN", 10.0), ("MAX", 30.0), ("COUNT", 3.0)]
)
def test_functions_aggregate_the_observations_of_a_period(function: str, value: float) -> None:
    query = parse(f'SELECT {function}(BytesProcessed) FROM "{NS}"')
    samples = [sample("vpce-1", 10, 0), sample("vpce-2", 20, 1), sample("vpce-1", 30, 2)]
    assert evaluate(query, samples, 0, 60, 60).series[0].points == {0: value}


def test_order_by_ranks_series_by_the_function_of_their_datapoints_and_limit_keeps_the_first() -> None:
    samples = [sample("vpce-1", 50, 0), sample("vpce-1", 50, 60), sample("vpce-2", 80, 0), sample("vpce-3", 10, 0)]
    by_max = evaluate(parse(QUERY.replace("MAX(", "SUM(") + " ORDER BY MAX() DESC LIMIT 2"), samples, 0, 120, 60)
    assert [s.labels[0][1] for s in by_max.series] == ["vpce-2", "vpce-1"]
    by_sum = evaluate(parse(QUERY.replace("MAX(", "SUM(") + " ORDER BY SUM() DESC"), samples, 0, 120, 60)
    assert [s.labels[0][1] for s in by_sum.series] == ["vpce-1", "vpce-2", "vpce-3"]
    ascending = evaluate(parse(QUERY + " ORDER BY MAX()"), samples, 0, 120, 60)  # ASC by default
    assert [s.labels[0][1] for s in ascending.series] == ["vpce-3", "vpce-1", "vpce-2"]


def test_past_500_series_the_result_is_partial_and_holds_500() -> None:
    samples = [sample(f"vpce-{index:03}", index, 0) for index in range(501)]
    result = evaluate(parse(QUERY), samples, 0, 60, 60)
    assert (len(result.series), result.partial) == (500, True)


def test_where_filters_on_label_values_and_not_equal_takes_metrics_without_the_label() -> None:
    query = parse(f'SELECT SUM(BytesProcessed) FROM "{NS}" WHERE "VPC Endpoint Id" != \'vpce-1\'')
    samples = [sample("vpce-1", 1, 0), sample("vpce-2", 2, 0), sample(None, 4, 0)]
    assert evaluate(query, samples, 0, 60, 60).series[0].points == {0: 6}
