"""CloudWatch alarms as moto 5.2.1 does not keep them: every metric alarm evaluated when it is read
(DescribeAlarms, DescribeAlarmContributors), as CloudWatch evaluates it all the time (alarm_states:
single metrics, Contributor Insights rule metrics and math over them); a Metrics Insights query as
an alarm's Metrics[].Expression checked at PutMetricAlarm, evaluated over moto's stored metric
data, its state in DescribeAlarms and its series in ALARM from DescribeAlarmContributors; and
DescribeAlarms' AlarmTypes, which moto ignores (log alarms: log_alarms.py), and its pages of at
most 100 alarms (MaxRecords, NextToken), where moto gives every alarm at once.

Metrics Insights evaluation (user guide, "Create an alarm based on a Multi Time Series Metrics
Insights query" and "Limits"): each series the query returns is a contributor, evaluated on its own
as a metric alarm is (alarm_evaluation: EvaluationPeriods, DatapointsToAlarm, TreatMissingData); only
the last 3 hours of data count; at most 100 contributors in ALARM, the state reason "N out of M time
series evaluated to ALARM" ("100+ ..." beyond); EvaluationState PARTIAL_DATA past 500 series or
10,000 metrics. A query that feeds a metric-math expression is stored, not evaluated. PutMetricAlarm
also refuses, as AWS does, an expression without Period and a Metrics list without exactly one
ReturnData.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.exceptions import ResourceNotFoundException, ValidationError
from moto.cloudwatch.models import Alarm, MetricAggregatedDatum, MetricDatum, cloudwatch_backends
from moto.core.responses import ActionResult

from demo.local_server import alarm_states, log_alarms, metrics_insights
from demo.local_server.alarm_evaluation import ALARM, EXTRA_PERIODS, Criteria, UnevaluableAlarmError, evaluate
from demo.local_server.metrics_insights import QuerySyntaxError, Sample, UnimplementedQueryError
from demo.local_server.refusals import not_implemented
from demo.local_server.state import state_of

EVALUATED_SECONDS = 3 * 3600  # "Only the latest 3 hours of data can be used for evaluating"
MAX_CONTRIBUTORS = 100  # "limit the number of contributors in ALARM to 100"
MAX_RECORDS = 100  # DescribeAlarms MaxRecords: 1 to 100


@dataclass(frozen=True, slots=True)
class Contributor:
    attributes: dict[str, str]
    reason: str

    @property
    def contributor_id(self) -> str:
        """Stable for the same series, at most 16 characters (the model's limit)."""
        return hashlib.sha256(json.dumps(sorted(self.attributes.items())).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Evaluation:
    state: str
    reason: str
    in_alarm: tuple[Contributor, ...]  # at most 100
    partial: bool


def seconds_of(value: datetime) -> float:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def samples_of(metric_data: Iterable[Any]) -> Iterable[Sample]:
    for datum in metric_data:
        dimensions = tuple(sorted((str(d.name), str(d.value)) for d in datum.dimensions))
        seconds = seconds_of(datum.timestamp)
        if isinstance(datum, MetricDatum):
            value = float(datum.value)
            yield Sample(datum.namespace, datum.name, dimensions, seconds, value, 1, value, value)
        elif isinstance(datum, MetricAggregatedDatum):
            yield Sample(
                datum.namespace, datum.name, dimensions, seconds, datum.sum, datum.sample_count, datum.min, datum.max
            )


def query_of(alarm: Alarm) -> tuple[str, int] | None:
    """The Metrics Insights query an alarm evaluates and its period, when the query is what it alarms on."""
    returned = [q for q in alarm.metric_data_queries if q.return_data in (None, True, "true")]
    if len(returned) == 1 and returned[0].expression and metrics_insights.is_query(returned[0].expression):
        return returned[0].expression, int(returned[0].period)
    return None


def feeds_math(alarm: Alarm) -> bool:
    return any(q.expression and metrics_insights.is_query(q.expression) for q in alarm.metric_data_queries)


def evaluate_alarm(alarm: Alarm, samples: Iterable[Sample], now: float) -> Evaluation | None:
    found = query_of(alarm)
    if found is None:
        return None
    text, period = found
    periods = int(alarm.evaluation_periods or 1)
    try:
        criteria = Criteria(
            period,
            periods,
            int(alarm.datapoints_to_alarm or periods),
            float(alarm.threshold),
            str(alarm.comparison_operator),
            str(alarm.treat_missing_data or "missing"),
        )
    except UnevaluableAlarmError:
        return None
    end = (int(now) // period + 1) * period  # the current period included
    start = max(end - (periods + EXTRA_PERIODS) * period, int(now) - EVALUATED_SECONDS)
    result = metrics_insights.evaluate(metrics_insights.parse(text), samples, start, end, period)
    contributors = []
    for series in result.series:
        verdict = evaluate(criteria, series.points, now, "OK")
        if verdict.state == ALARM:
            contributors.append(Contributor(dict(series.labels), verdict.reason))
    total = len(result.series)
    if contributors:
        shown = "100+" if len(contributors) > MAX_CONTRIBUTORS else str(len(contributors))
        state, reason = "ALARM", f"{shown} out of {total} time series evaluated to ALARM"
    elif total == 0 and criteria.treat_missing not in ("breaching", "notBreaching"):
        state, reason = "INSUFFICIENT_DATA", "Insufficient Data: no time series returned by the query"
    else:
        state, reason = "OK", f"0 out of {total} time series evaluated to ALARM"
    return Evaluation(state, reason, tuple(contributors[:MAX_CONTRIBUTORS]), result.partial)


def refresh(alarm: Alarm, backend: Any, sources: alarm_states.Sources | None = None) -> Evaluation | None:
    """Evaluates an alarm now and records its state as DescribeAlarms shows it; a Metrics Insights
    alarm's evaluation (with its contributors) is returned."""
    now = time.time()
    sources = sources or alarm_states.Sources(
        backend.account_id, backend.region_name, list(samples_of(backend.metric_data))
    )
    if query_of(alarm) is None:
        if (
            alarm.rule is None
            and not feeds_math(alarm)
            and (found := alarm_states.evaluate_metric_alarm(alarm, sources, now))
        ):
            alarm_states.record(alarm, *found)
        return None
    evaluation = evaluate_alarm(alarm, sources.samples, now)
    if evaluation is None:
        return None
    if evaluation.state != alarm.state_value:
        alarm.update_state(evaluation.reason, json.dumps({"version": "1.0"}), evaluation.state)
        vars(alarm)["state_transitioned_timestamp"] = alarm.state_updated_timestamp  # DescribeAlarms shows it
    else:
        alarm.state_reason = evaluation.reason
    vars(alarm)["evaluation_state"] = "PARTIAL_DATA" if evaluation.partial else None
    since = state_of(backend.account_id, backend.region_name).contributors_since.setdefault(alarm.name, {})
    current = {c.contributor_id for c in evaluation.in_alarm}
    for gone in set(since) - current:
        del since[gone]
    for contributor_id in current:
        since.setdefault(contributor_id, datetime.now(UTC))
    return evaluation


@dataclass
class EvaluationRound:
    """One request's evaluations: the metric data and each rule's records read once, each alarm
    evaluated once however often it is listed."""

    backend: Any
    sources: alarm_states.Sources
    done: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, backend: Any) -> EvaluationRound:
        samples = list(samples_of(backend.metric_data))
        return cls(backend, alarm_states.Sources(backend.account_id, backend.region_name, samples))

    def __call__(self, alarm: Alarm) -> None:
        if alarm.rule is None and alarm.name not in self.done:
            self.done.add(alarm.name)
            refresh(alarm, self.backend, self.sources)


def checked_metrics(response: Any) -> None:
    """PutMetricAlarm's Metrics as AWS checks them, and the Metrics Insights queries among them."""
    metrics = response._get_param("Metrics") or []
    if not metrics:
        return
    returning = [m for m in metrics if m.get("ReturnData") in (None, True)]
    band = response._get_param("ThresholdMetricId")  # an anomaly detection alarm returns its metric and its band
    if len(returning) != (2 if band else 1) or (band and band not in {m.get("Id") for m in returning}):
        raise ValidationError("Exactly one element of the metrics list should return data.")
    for index, metric in enumerate(metrics, start=1):
        expression = metric.get("Expression")
        if not expression:
            continue
        if metric.get("Period") is None:
            raise ValidationError(f"Period must not be null (Metrics.member.{index}).")
        if metrics_insights.is_query(expression):
            try:
                metrics_insights.parse(expression)
            except QuerySyntaxError as err:
                raise ValidationError(f"Invalid Metrics Insights query in Metrics.member.{index}: {err}") from None
            except UnimplementedQueryError as err:
                raise not_implemented(response, f"this Metrics Insights query: {err}") from None


def page_bounds(count: int, max_records: Any, token: Any) -> tuple[int, int]:
    """The alarms of one page, as AWS pages them (MaxRecords 1 to 100). Without MaxRecords, 100: the
    model gives no default, and the largest page keeps callers that omit it seeing what they did."""
    size = MAX_RECORDS if max_records is None else int(max_records)
    if not 1 <= size <= MAX_RECORDS:
        raise ValidationError(f"The value {size} for parameter MaxRecords is not valid: 1 to {MAX_RECORDS}.")
    start = 0
    if token:
        try:
            label, _, number = base64.b64decode(str(token), validate=True).decode().partition(":")
            start = int(number) if label == "alarms" else -1
        except ValueError:
            start = -1
        if not 0 <= start <= count:
            raise log_alarms.InvalidNextToken("The specified NextToken is not valid.")
    return start, min(start + size, count)


def response_methods(original: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    def put_metric_alarm(self: Any) -> Any:
        checked_metrics(self)
        log_alarms.refuse_taken_name(self, self._get_param("AlarmName"), log_alarm=False)
        return original["put_metric_alarm"](self)

    def describe_alarms(self: Any) -> ActionResult:
        backend = cloudwatch_backends[self.current_account][self.region]
        names, prefix = self._get_param("AlarmNames") or [], self._get_param("AlarmNamePrefix")
        if names and prefix:
            raise ValidationError("AlarmNames and AlarmNamePrefix cannot be used together.")
        wanted_types = self._get_param("AlarmTypes") or [
            "MetricAlarm"
        ]  # "If you omit this parameter, only metric alarms"

        def chosen(name: str, state: str, actions: list[str]) -> bool:
            return (
                (not names or name in names)
                and (not prefix or name.startswith(prefix))
                and self._get_param("StateValue") in (None, state)
                and (
                    not self._get_param("ActionPrefix")
                    or any(a.startswith(self._get_param("ActionPrefix")) for a in actions)
                )
            )

        # Evaluated as CloudWatch would have them by now: the alarms this page returns, or, to filter
        # by state, every one asked for.
        evaluate_now = EvaluationRound.of(backend)
        if self._get_param("StateValue") is not None:
            for alarm in backend.alarms.values():
                if (not names or alarm.name in names) and (not prefix or alarm.name.startswith(prefix)):
                    evaluate_now(alarm)
        alarms = sorted(
            (a for a in backend.alarms.values() if chosen(a.name, a.state_value, a.alarm_actions)), key=lambda a: a.name
        )
        listed: list[tuple[str, Any]] = []
        if "MetricAlarm" in wanted_types:
            listed += [("MetricAlarms", a) for a in alarms if a.rule is None]
        if "CompositeAlarm" in wanted_types:
            listed += [("CompositeAlarms", a) for a in alarms if a.rule is not None]
        if "LogAlarm" in wanted_types:
            logs = state_of(self.current_account, self.region).log_alarms
            listed += [
                ("LogAlarms", logs[name])
                for name in sorted(logs)
                if chosen(name, logs[name]["StateValue"], logs[name].get("AlarmActions", []))
            ]
        start, end = page_bounds(len(listed), self._get_param("MaxRecords"), self._get_param("NextToken"))
        result: dict[str, Any] = {"MetricAlarms": [], "CompositeAlarms": []}
        if "LogAlarm" in wanted_types:
            result["LogAlarms"] = []
        for key, alarm in listed[start:end]:
            if key == "MetricAlarms":
                evaluate_now(alarm)
            result[key].append(alarm)
        if end < len(listed):
            result["NextToken"] = base64.b64encode(f"alarms:{end}".encode()).decode()
        return ActionResult(result)

    def describe_alarm_contributors(self: Any) -> ActionResult:
        backend = cloudwatch_backends[self.current_account][self.region]
        name = str(self._get_param("AlarmName"))
        alarm = backend.alarms.get(name)
        if alarm is None:
            if name in state_of(self.current_account, self.region).log_alarms:
                return ActionResult({"AlarmContributors": []})  # a log alarm's groups are not evaluated here
            raise ResourceNotFoundException(f"The alarm {name} does not exist.")
        if query_of(alarm) is None and feeds_math(alarm):
            raise not_implemented(self, "contributors of a Metrics Insights query inside a math expression")
        if self._get_param("NextToken"):
            raise log_alarms.InvalidNextToken("The specified NextToken is not valid.")  # one page holds the 100
        evaluation = refresh(alarm, backend)
        since = state_of(self.current_account, self.region).contributors_since.get(name, {})
        contributors = [
            {
                "ContributorId": c.contributor_id,
                "ContributorAttributes": c.attributes,
                "StateReason": c.reason,
                "StateTransitionedTimestamp": since.get(c.contributor_id),
            }
            for c in (evaluation.in_alarm if evaluation else ())
            if c.attributes  # a single aggregated series names no contributor
        ]
        return ActionResult({"AlarmContributors": contributors})

    return {
        "put_metric_alarm": put_metric_alarm,
        "describe_alarms": describe_alarms,
        "describe_alarm_contributors": describe_alarm_contributors,
    }
