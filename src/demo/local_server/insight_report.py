"""GetInsightRuleReport computed for real (moto 5.2.1 has no such operation): a rule's definition run
by the project's evaluator (core.inspect.insights_eval) over the log events moto's CloudWatch Logs backend
holds for the rule's log groups.

Which events count: those of the rule's LogGroupNames (a trailing * is a prefix) whose timestamp is
in [StartTime, EndTime), and which arrived while the rule was enabled: a rule analyses "only new
log events after it is created or enabled" and, disabled, does "not analyze log groups" (user guide;
DisableInsightRules). Arrival is the order in which moto's logs backend numbered the events
(insight_rules.arrival_mark): exact, where its millisecond ingestion time could not tell a rule
made in the same millisecond from an event. A disabled rule still reports what it analysed before.

A managed rule (insight_rules.TEMPLATES) ranks the endpoints of its endpoint service by the metric
PrivateLink publishes per consumer endpoint, AWS/PrivateLinkServices {Service Id, VPC Endpoint Id}
(PrivateLink guide): here the datapoints written with PutMetricData whose timestamp falls in a span
in which the rule was enabled (moto keeps no arrival order for metric data).

What the report holds (API reference, GetInsightRuleReport): Contributors ranked by OrderBy (Sum:
a contributor's total over the range; Maximum: its largest value in one period), at most
MaxContributorCount (1-100, default 10), each with its value per period where it appears;
AggregateValue and ApproximateUniqueCount over every contributor; MetricDatapoints, one per period
with data, for the Metrics asked: UniqueContributors, MaxContributorValue (the top contributor's
value in that period), SampleCount (matching events), Sum, Minimum and Maximum (of one event's
value), Average (Sum / SampleCount). Periods are aligned on the epoch, as CloudWatch aligns metric
periods. Not implemented, and answered 501 NotImplemented: JSON-format rules (the evaluator reads
CLF) and LogGroupARNs of other accounts.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterValue, ResourceNotFoundException
from moto.cloudwatch.models import MetricAggregatedDatum, MetricDatum, cloudwatch_backends
from moto.core.responses import ActionResult
from moto.logs.models import logs_backends

from core.inspect.insights_eval import CompiledRule, RuleDefinitionError, compile_rule, evaluate
from demo.local_server.insight_rules import TEMPLATES
from demo.local_server.refusals import not_implemented
from demo.local_server.state import AnalysisWindow, ManagedRule, state_of

METRICS = ("UniqueContributors", "MaxContributorValue", "SampleCount", "Sum", "Minimum", "Maximum", "Average")
ORDERS = ("Sum", "Maximum")
MAX_CONTRIBUTORS, DEFAULT_CONTRIBUTORS = 100, 10  # MaxContributorCount: 1 to 100, default 10
LOG_GROUP_ARN = re.compile(
    r"arn:aws[a-z-]*:logs:(?P<region>[a-z0-9-]+):(?P<account>\d{12}|\*):log-group[:/](?P<name>[^:]+)"
)


@dataclass(frozen=True, slots=True)
class Observation:
    """One matching log event (or metric datapoint): its time, its contributor, its value."""

    seconds: float
    keys: tuple[str, ...]
    value: float


@dataclass(frozen=True, slots=True)
class ReportRequest:
    start: float  # seconds since the epoch, inclusive
    end: float  # exclusive
    period: int
    metrics: tuple[str, ...]
    order_by: str
    max_contributors: int


def render_report(
    observations: Iterable[Observation], key_labels: Sequence[str], statistic: str, request: ReportRequest
) -> dict[str, Any]:
    """The GetInsightRuleReport answer for these observations (pure)."""
    per_period: dict[int, dict[tuple[str, ...], float]] = defaultdict(lambda: defaultdict(float))
    samples: dict[int, list[float]] = defaultdict(list)
    for seen in observations:
        if request.start <= seen.seconds < request.end:
            bucket = int(seen.seconds // request.period) * request.period
            per_period[bucket][seen.keys] += seen.value
            samples[bucket].append(seen.value)
    totals: dict[tuple[str, ...], float] = defaultdict(float)
    peaks: dict[tuple[str, ...], float] = {}
    for values in per_period.values():
        for keys, value in values.items():
            totals[keys] += value
            peaks[keys] = max(peaks.get(keys, value), value)
    rank = totals if request.order_by == "Sum" else peaks
    top = sorted(totals, key=lambda keys: (-rank[keys], keys))[: request.max_contributors]
    report: dict[str, Any] = {
        "KeyLabels": list(key_labels),
        "AggregationStatistic": statistic,
        "AggregateValue": float(sum(totals.values())),
        "ApproximateUniqueCount": len(totals),
        "Contributors": [
            {
                "Keys": list(keys),
                "ApproximateAggregateValue": float(totals[keys]),
                "Datapoints": [
                    {"Timestamp": moment(bucket), "ApproximateValue": float(per_period[bucket][keys])}
                    for bucket in sorted(per_period)
                    if keys in per_period[bucket]
                ],
            }
            for keys in top
        ],
    }
    if request.metrics:
        report["MetricDatapoints"] = [
            metric_datapoint(bucket, per_period[bucket], samples[bucket], request.metrics)
            for bucket in sorted(per_period)
        ]
    return report


def metric_datapoint(
    bucket: int, contributors: dict[tuple[str, ...], float], values: list[float], metrics: Sequence[str]
) -> dict[str, Any]:
    every = {
        "UniqueContributors": float(len(contributors)),
        "MaxContributorValue": float(max(contributors.values())),
        "SampleCount": float(len(values)),
        "Sum": float(sum(values)),
        "Minimum": float(min(values)),
        "Maximum": float(max(values)),
        "Average": float(sum(values) / len(values)),
    }
    return {"Timestamp": moment(bucket)} | {name: every[name] for name in metrics}


def moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def seconds_of(value: Any) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return float(value)


def parse_request(response: Any) -> ReportRequest:
    start, end = seconds_of(response._get_param("StartTime")), seconds_of(response._get_param("EndTime"))
    if end <= start:
        raise InvalidParameterValue("The parameter EndTime must be greater than StartTime.")
    count = response._get_param("MaxContributorCount")
    count = DEFAULT_CONTRIBUTORS if count is None else int(count)
    if not 1 <= count <= MAX_CONTRIBUTORS:
        raise InvalidParameterValue(f"The value {count} for parameter MaxContributorCount is not valid: 1 to 100.")
    order_by = response._get_param("OrderBy") or "Sum"
    if order_by not in ORDERS:
        raise InvalidParameterValue(f"The value {order_by} for parameter OrderBy is not valid: Sum or Maximum.")
    metrics = tuple(response._get_param("Metrics") or ())
    unknown = [name for name in metrics if name not in METRICS]
    if unknown:
        raise InvalidParameterValue(f"The value {unknown[0]} for parameter Metrics is not valid: {', '.join(METRICS)}.")
    return ReportRequest(start, end, int(response._get_param("Period")), metrics, order_by, count)


def arrived_while_enabled(event_id: int, windows: Sequence[AnalysisWindow]) -> bool:
    return any(w.start <= event_id and (w.end is None or event_id < w.end) for w in windows)


class UnreadableRuleError(ValueError):
    """A rule the local server cannot read: a JSON-format definition, log groups of other accounts."""


def log_group_names(definition: dict[str, Any], account_id: str, region: str) -> list[str]:
    patterns = [str(name) for name in definition.get("LogGroupNames") or []]
    for arn in definition.get("LogGroupARNs") or []:
        match = LOG_GROUP_ARN.fullmatch(str(arn))
        if match is None or match["region"] != region or match["account"] not in (account_id, "*"):
            raise UnreadableRuleError(f"log group ARNs of other accounts or Regions ({arn})")
        patterns.append(match["name"])
    groups = logs_backends[account_id][region].groups
    return [
        name for name in groups if any(fnmatch.fnmatchcase(name, p) if p.endswith("*") else name == p for p in patterns)
    ]


def log_observations(
    rule: CompiledRule, groups: Sequence[str], windows: Sequence[AnalysisWindow], account_id: str, region: str
) -> Iterator[Observation]:
    backend = logs_backends[account_id][region]
    for name in groups:
        for stream in backend.groups[name].streams.values():
            for event in stream.events:
                if not arrived_while_enabled(event.event_id, windows):
                    continue
                found = evaluate(rule, [event.message], top=1).contributors  # the evaluator's own reading
                if found:
                    yield Observation(event.timestamp / 1000, found[0].keys, float(found[0].value))


def managed_observations(
    managed: ManagedRule, windows: Sequence[AnalysisWindow], account_id: str, region: str
) -> Iterator[Observation]:
    metric, _ = TEMPLATES[managed.template]
    service_id = managed.resource_arn.rsplit("/", 1)[-1]
    spans = [(w.started, w.ended) for w in windows]
    for datum in cloudwatch_backends[account_id][region].metric_data:
        dimensions = {str(d.name): str(d.value) for d in datum.dimensions}
        if datum.namespace != "AWS/PrivateLinkServices" or datum.name != metric:
            continue
        if set(dimensions) != {"Service Id", "VPC Endpoint Id"} or dimensions["Service Id"] != service_id:
            continue  # a partial or other dimension set is another series (PrivateLink guide)
        seconds = seconds_of(datum.timestamp)
        if not any(begun <= seconds and (ended is None or seconds < ended) for begun, ended in spans):
            continue
        if isinstance(datum, MetricDatum):
            yield Observation(seconds, (dimensions["VPC Endpoint Id"],), float(datum.value))
        elif isinstance(datum, MetricAggregatedDatum):
            yield Observation(seconds, (dimensions["VPC Endpoint Id"],), float(datum.sum))


def rule_observations(account_id: str, region: str, name: str) -> tuple[list[Observation], Sequence[str], str]:
    """What the rule analysed, (observations, key labels, aggregation statistic); KeyError when no
    such rule, UnreadableRuleError when the local server cannot read it."""
    rule = cloudwatch_backends[account_id][region].insight_rules[name]
    state = state_of(account_id, region)
    windows = state.rule_windows.get(name, [])
    if name in state.managed_rules:
        managed = state.managed_rules[name]
        _, key = TEMPLATES[managed.template]
        return list(managed_observations(managed, windows, account_id, region)), [key], "Sum"
    try:
        compiled = compile_rule(rule.definition)
    except RuleDefinitionError as err:
        raise UnreadableRuleError(f"this rule's definition ({err})") from None
    groups = log_group_names(json.loads(rule.definition), account_id, region)  # valid JSON: compile_rule read it
    observations = list(log_observations(compiled, groups, windows, account_id, region))
    return observations, compiled.key_labels, compiled.aggregate_on


def metric_points(observations: Iterable[Observation], metric: str, period: int) -> dict[int, float]:
    """INSIGHT_RULE_METRIC(rule, metric) by period start: the value of each period with data."""
    contributors: dict[int, dict[tuple[str, ...], float]] = defaultdict(lambda: defaultdict(float))
    values: dict[int, list[float]] = defaultdict(list)
    for seen in observations:
        bucket = int(seen.seconds // period) * period
        contributors[bucket][seen.keys] += seen.value
        values[bucket].append(seen.value)
    return {
        bucket: float(metric_datapoint(bucket, contributors[bucket], values[bucket], [metric])[metric])
        for bucket in contributors
    }


def get_insight_rule_report(self: Any) -> ActionResult:
    name = str(self._get_param("RuleName"))
    if name not in cloudwatch_backends[self.current_account][self.region].insight_rules:
        raise ResourceNotFoundException(f"The rule {name} does not exist.")
    request = parse_request(self)
    try:
        observations, labels, statistic = rule_observations(self.current_account, self.region, name)
    except UnreadableRuleError as err:
        raise not_implemented(self, str(err)) from None
    return ActionResult(render_report(observations, labels, statistic, request))


HANDLERS = {"get_insight_rule_report": get_insight_rule_report}
