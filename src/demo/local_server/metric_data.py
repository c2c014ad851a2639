"""GetMetricData for the expressions a dashboard draws over many series, which moto 5.2.1 does not
evaluate: SEARCH (optionally in SORT) and Metrics Insights queries, over moto's stored datapoints.
Every other query goes to moto as before, and the answers keep the request's order.

    SEARCH('{namespace, dimension ...} Name="value" ...', 'Statistic', period)
    SORT(SEARCH(...), SUM|AVG|MAX|MIN, ASC|DESC [, limit])

As the user guide's "CloudWatch search expression syntax" has it: the schema in braces, names with
spaces or other characters in double quotes; exact-match terms `Designator="value"` (MetricName, a
dimension's name), ANDed; SORT (metric math functions) orders the series by the function over their
datapoints, at most `limit`. A series is one metric and dimension set, returned as its own
MetricDataResult under the query's Id, as GetMetricData answers a search; its label is the query's
Label with dynamic labels `${PROP('Dim.<name>')}` and `${PROP('MetricName')}` filled in, else its
dimension values and metric name. Decided here: the schema matches metrics with exactly its
dimensions. Not implemented, and answered 501 NotImplemented: partial-match terms, OR, NOT,
parentheses and other functions around a search. A Metrics Insights query (SELECT ...) is evaluated
by metrics_insights: a series per group, labelled by the group's values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.exceptions import ValidationError
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.responses import ActionResult

from demo.local_server import metrics_insights
from demo.local_server.alarms import samples_of, seconds_of
from demo.local_server.metrics_insights import STATISTICS, QuerySyntaxError, Sample, UnimplementedQueryError, statistic
from demo.local_server.refusals import not_implemented

SORTS = ("SUM", "AVG", "MAX", "MIN")
NAME = r'"(?:[^"\\]|\\.)*"|[A-Za-z0-9_./:-]+'
SEARCH = re.compile(r"^\s*SEARCH\(\s*'(?P<text>(?:[^'\\]|\\.)*)'\s*,\s*'(?P<stat>\w+)'\s*,\s*(?P<period>\d+)\s*\)\s*$")
SORTED = re.compile(
    r"^\s*SORT\(\s*(?P<search>SEARCH\(.*\))\s*,\s*(?P<by>\w+)\s*,\s*(?P<order>\w+)\s*(?:,\s*(?P<limit>\d+)\s*)?\)\s*$"
)
SCHEMA = re.compile(r"^\s*\{(?P<names>[^}]*)\}")
TERM = re.compile(rf"\s*(?P<name>{NAME})\s*=\s*(?P<value>\"(?:[^\"\\]|\\.)*\")")
DYNAMIC = re.compile(r"\$\{PROP\('(?P<prop>[^']+)'\)\}")


class UnimplementedSearchError(ValueError):
    """A search expression using what this subset does not implement."""


@dataclass(frozen=True, slots=True)
class Search:
    namespace: str
    dimensions: frozenset[str]
    terms: tuple[tuple[str, str], ...]  # (designator, exact value)
    statistic: str
    period: int
    sort: tuple[str, bool, int | None] | None = None  # (function, descending, limit)


def unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def is_search(expression: str) -> bool:
    return expression.lstrip().upper().startswith(("SEARCH(", "SORT(SEARCH("))


def parse_search(expression: str) -> Search:
    sort = None
    if found := SORTED.match(expression):
        by, order = found["by"].upper(), found["order"].upper()
        if by not in SORTS or order not in ("ASC", "DESC"):
            raise QuerySyntaxError(f"SORT takes {', '.join(SORTS)} and ASC or DESC, not {by} {order}")
        sort = (by, order == "DESC", int(found["limit"]) if found["limit"] else None)
        expression = found["search"]
    found = SEARCH.match(expression)
    if found is None:
        raise UnimplementedSearchError(f"only SEARCH('...', 'Statistic', period), in SORT or not: {expression!r}")
    if found["stat"] not in STATISTICS:
        raise QuerySyntaxError(f"unknown statistic {found['stat']!r}")
    text = found["text"].replace("\\'", "'")
    schema = SCHEMA.match(text)
    if schema is None:
        raise UnimplementedSearchError("a search without a metric schema in braces")
    names = [unquote(part) for part in re.findall(NAME, schema["names"])]
    rest, terms = text[schema.end() :], []
    while rest.strip():
        term = TERM.match(rest)
        if term is None:
            raise UnimplementedSearchError(f'only exact terms Name="value" are implemented, not {rest.strip()!r}')
        terms.append((unquote(term["name"]), unquote(term["value"])))
        rest = re.sub(r"^\s*AND\b", "", rest[term.end() :])
    return Search(names[0], frozenset(names[1:]), tuple(terms), found["stat"], int(found["period"]), sort)


def run_search(
    search: Search, samples: Iterable[Sample], start: float, end: float
) -> list[tuple[Sample, dict[int, float]]]:
    """(one sample standing for the series, its values by period start), SORTed when asked."""
    found: dict[tuple[str, tuple[tuple[str, str], ...]], dict[int, list[Sample]]] = {}
    first: dict[tuple[str, tuple[tuple[str, str], ...]], Sample] = {}
    for sample in samples:
        labels = dict(sample.dimensions)
        wanted = sample.namespace == search.namespace and set(labels) == search.dimensions
        fields = {**labels, "MetricName": sample.metric, "Namespace": sample.namespace}
        if not (wanted and start <= sample.seconds < end and all(fields.get(k) == v for k, v in search.terms)):
            continue
        key = (sample.metric, sample.dimensions)
        first.setdefault(key, sample)
        found.setdefault(key, {}).setdefault(int(sample.seconds // search.period) * search.period, []).append(sample)
    series = [
        (first[key], {b: statistic(search.statistic, s) for b, s in buckets.items()}) for key, buckets in found.items()
    ]
    series.sort(key=lambda item: (item[0].metric, item[0].dimensions))
    if search.sort:
        by, descending, limit = search.sort
        series.sort(key=lambda item: metrics_insights.scalar(by, list(item[1].values())), reverse=descending)
        series = series[:limit] if limit else series
    return series


def label_of(template: str, sample: Sample) -> str:
    labels = dict(sample.dimensions)
    if not template:
        return " ".join([*labels.values(), sample.metric])

    def fill(found: re.Match[str]) -> str:
        prop = found["prop"]
        if prop == "MetricName":
            return sample.metric
        return labels.get(prop.removeprefix("Dim."), "") if prop.startswith("Dim.") else found.group(0)

    return DYNAMIC.sub(fill, template)


def result(query: dict[str, Any], label: str, points: dict[int, float], descending: bool) -> dict[str, Any]:
    moments = sorted(points, reverse=descending)
    return {
        "id": query["Id"],
        "label": label,
        "values": [points[m] for m in moments],
        "timestamps": [datetime.fromtimestamp(m, UTC) for m in moments],
        "status_code": "Complete",
    }


def evaluated(
    query: dict[str, Any], samples: list[Sample], start: float, end: float, descending: bool
) -> list[dict[str, Any]]:
    expression = str(query["Expression"])
    if metrics_insights.is_query(expression):
        found = metrics_insights.evaluate(metrics_insights.parse(expression), samples, start, end, int(query["Period"]))
        return [
            result(query, " ".join(v for _, v in s.labels) or query.get("Label") or query["Id"], s.points, descending)
            for s in found.series
        ]
    search = parse_search(expression)
    return [
        result(query, label_of(str(query.get("Label") or ""), s), points, descending)
        for s, points in run_search(search, samples, start, end)
    ]


def response_methods(original: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """CloudWatchResponse.get_metric_data: ours evaluated here, the rest by moto's, in the request's order."""

    def get_metric_data(self: Any) -> Any:
        queries: list[dict[str, Any]] = self._get_param("MetricDataQueries") or []
        ours = [q for q in queries if q.get("Expression") and is_ours(str(q["Expression"]))]
        if not ours:
            return original["get_metric_data"](self)
        params = self._get_params()
        start, end = params["StartTime"], params["EndTime"]
        descending = (params.get("ScanBy") or "TimestampDescending") != "TimestampAscending"
        backend = cloudwatch_backends[self.current_account][self.region]
        rest = [q for q in queries if not any(q is mine for mine in ours)]
        moto_answers = (
            backend.get_metric_data(
                queries=rest,
                start_time=start,
                end_time=end,
                scan_by="TimestampDescending" if descending else "TimestampAscending",
            )
            if rest
            else []
        )
        samples = list(samples_of(backend.metric_data))
        answers: list[dict[str, Any]] = []
        for query in queries:
            if not any(query is mine for mine in ours):
                answers += [a for a in moto_answers if a["id"] == query["Id"]]
                continue
            if query.get("ReturnData") is False:
                continue
            try:
                answers += evaluated(query, samples, seconds_of(start), seconds_of(end), descending)
            except QuerySyntaxError as err:
                raise ValidationError(f"Invalid expression in query {query['Id']}: {err}") from None
            except (UnimplementedSearchError, UnimplementedQueryError) as err:
                raise not_implemented(self, f"this expression: {err}") from None
        return ActionResult({"MetricDataResults": answers})

    return {"get_metric_data": get_metric_data}


def is_ours(expression: str) -> bool:
    return is_search(expression) or metrics_insights.is_query(expression)
