"""The local server evaluates every metric alarm as CloudWatch does (moto keeps the state it was
created with): the time series the alarm watches is computed from what the local account holds,
and alarm_evaluation decides the state from its Period, EvaluationPeriods, DatapointsToAlarm,
Threshold, ComparisonOperator and TreatMissingData, with a reason that names the datapoints.

What an alarm's series is made of:
- one metric (MetricName, Namespace, Dimensions, Statistic, Period) or a MetricStat query: the
  datapoints PutMetricData stored under exactly those dimensions, the statistic of each period;
- `INSIGHT_RULE_METRIC("rule", "metric")`: the rule's metric over the log events it analysed
  (insight_report: what GetInsightRuleReport counts), one datapoint per period with events;
- an expression over other queries' ids: `a + b + ...` (a value missing in one series counts as 0,
  as metric math's arithmetic has it) and `MAX([a, b, ...])` (the largest value present);
- a Metrics Insights query: each series is a contributor (alarms.py).
Anything else (an anomaly detection band, other functions, SEARCH) is not evaluated here: such an
alarm keeps its state, and says nothing it does not know.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from moto.cloudwatch.models import Alarm

from demo.local_server import insight_report
from demo.local_server.alarm_evaluation import Criteria, UnevaluableAlarmError, Verdict, evaluate
from demo.local_server.insight_report import Observation, UnreadableRuleError
from demo.local_server.metrics_insights import STATISTICS, Sample, statistic

RULE_METRIC = re.compile(
    r"""^\s*INSIGHT_RULE_METRIC\(\s*(["'])(?P<rule>.+?)\1\s*,\s*(["'])(?P<metric>\w+)\3\s*\)\s*$"""
)
IDS = r"[a-z][A-Za-z0-9_]*"
SUM = re.compile(rf"^\s*{IDS}(?:\s*\+\s*{IDS})*\s*$")
MAXIMUM = re.compile(rf"^\s*MAX\(\s*\[\s*(?P<ids>{IDS}(?:\s*,\s*{IDS})*)\s*\]\s*\)\s*$")


@dataclass
class Sources:
    """What one round of evaluation reads: the stored metric data, and each rule's analysed
    events once, however many alarms read the rule."""

    account_id: str
    region: str
    samples: list[Sample]
    observations: dict[str, list[Observation]] = field(default_factory=dict)

    def rule_points(self, rule: str, metric: str, period: int) -> dict[int, float]:
        """A rule that does not exist, or that this server cannot read, has no data (a rule metric
        of a deleted rule returns nothing in CloudWatch too)."""
        if rule not in self.observations:
            try:
                self.observations[rule] = insight_report.rule_observations(self.account_id, self.region, rule)[0]
            except (KeyError, UnreadableRuleError):
                self.observations[rule] = []
        return insight_report.metric_points(self.observations[rule], metric, period)


def criteria_of(alarm: Alarm) -> Criteria:
    """The alarm's evaluation settings; UnevaluableAlarmError for what is not modelled."""
    if alarm.threshold_metric_id:
        raise UnevaluableAlarmError("an anomaly detection band (ThresholdMetricId)")
    periods = int(alarm.evaluation_periods or 1)
    return Criteria(
        period=period_of(alarm),
        evaluation_periods=periods,
        datapoints_to_alarm=int(alarm.datapoints_to_alarm or periods),
        threshold=float(alarm.threshold),
        comparison=str(alarm.comparison_operator),
        treat_missing=str(alarm.treat_missing_data or "missing"),
    )


def returned(alarm: Alarm) -> Any:
    """The query whose series the alarm evaluates: the one that returns data."""
    found = [q for q in alarm.metric_data_queries if q.return_data in (None, True, "true")]
    if len(found) != 1:
        raise UnevaluableAlarmError("a Metrics list without exactly one query that returns data")
    return found[0]


def period_of(alarm: Alarm) -> int:
    if not alarm.metric_data_queries:
        return int(alarm.period)
    query = returned(alarm)
    return int(query.metric_stat.period if query.metric_stat else query.period)


def metric_points(
    samples: list[Sample], namespace: str, name: str, dimensions: Mapping[str, str], stat: str, period: int
) -> dict[int, float]:
    """One metric's statistic per period, from the datapoints stored under exactly its dimensions."""
    if stat not in STATISTICS:
        raise UnevaluableAlarmError(f"the statistic {stat} (percentiles are not modelled)")
    wanted = tuple(sorted(dimensions.items()))
    buckets: dict[int, list[Sample]] = {}
    for sample in samples:
        if sample.namespace == namespace and sample.metric == name and sample.dimensions == wanted:
            buckets.setdefault(int(sample.seconds // period) * period, []).append(sample)
    return {bucket: statistic(stat, found) for bucket, found in buckets.items()}


def query_points(
    query: Any, by_id: Mapping[str, Any], sources: Sources, period: int, within: frozenset[str] = frozenset()
) -> dict[int, float]:
    """The series of one query of the alarm's Metrics list, by period start (`within`: the
    expressions being computed, so that one naming itself is refused rather than followed)."""
    if query.id in within:
        raise UnevaluableAlarmError(f"an expression that reads itself ({query.id})")
    if query.metric_stat is not None:
        stat = query.metric_stat
        dimensions = {str(d.name): str(d.value) for d in stat.metric.dimensions}
        return metric_points(
            sources.samples, stat.metric.namespace, stat.metric.metric_name, dimensions, str(stat.stat), period
        )
    expression = str(query.expression or "")
    if found := RULE_METRIC.match(expression):
        return sources.rule_points(found["rule"], found["metric"], period)
    if found := MAXIMUM.match(expression):
        ids, largest = re.findall(IDS, found["ids"]), True
    elif SUM.match(expression):
        ids, largest = re.findall(IDS, expression), False
    else:
        raise UnevaluableAlarmError(f"the expression {expression!r}")
    if unknown := [i for i in ids if i not in by_id]:
        raise UnevaluableAlarmError(f"an expression over unknown ids {', '.join(unknown)}")
    series = [query_points(by_id[i], by_id, sources, period, within | {query.id}) for i in ids]
    moments: set[int] = set().union(*series)
    if largest:
        return {moment: max(s[moment] for s in series if moment in s) for moment in moments}
    return {moment: sum(s.get(moment, 0.0) for s in series) for moment in moments}


def alarm_points(alarm: Alarm, sources: Sources) -> dict[int, float]:
    """The series the alarm compares with its threshold."""
    period = period_of(alarm)
    if not alarm.metric_data_queries:
        dimensions = {str(d.name): str(d.value) for d in alarm.dimensions}
        return metric_points(
            sources.samples, alarm.namespace, alarm.metric_name, dimensions, str(alarm.statistic), period
        )
    by_id = {str(q.id): q for q in alarm.metric_data_queries}
    return query_points(returned(alarm), by_id, sources, period)


def evaluate_metric_alarm(alarm: Alarm, sources: Sources, now: float) -> tuple[Verdict, Criteria] | None:
    """The verdict CloudWatch would reach now; None for an alarm not evaluated here."""
    try:
        criteria = criteria_of(alarm)
        points = alarm_points(alarm, sources)
    except UnevaluableAlarmError:
        return None
    return evaluate(criteria, points, now, str(alarm.state_value)), criteria


def record(alarm: Alarm, verdict: Verdict, criteria: Criteria) -> None:
    """The state and reason as DescribeAlarms shows them; a change of state goes into the history."""
    data = verdict.reason_data(criteria)
    if verdict.state != alarm.state_value:
        alarm.update_state(verdict.reason, data, verdict.state)
        vars(alarm)["state_transitioned_timestamp"] = alarm.state_updated_timestamp  # DescribeAlarms shows it
    else:
        alarm.state_reason, alarm.state_reason_data = verdict.reason, data
