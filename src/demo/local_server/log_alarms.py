"""CloudWatch log alarms, which moto 5.2.1 lacks: PutLogAlarm checked and stored as the botocore
model describes it, returned by DescribeAlarms under AlarmTypes ["LogAlarm"] (LogAlarms: "If you
omit this parameter, only metric alarms are returned"), deleted by DeleteAlarms, tagged like any
alarm. A log alarm's name is unique among all the Region's alarms (ResourceConflict otherwise).

Checked beyond what botocore checks before sending (required members, minimums): every maximum of
the model; ComparisonOperator one of the four the documentation names valid; TreatMissingData one
of its four values; QueryResultsToAlarm at most QueryResultsToEvaluate (1-100); EndTimeOffset under
StartTimeOffset; ActionLogLineRoleArn when ActionLogLineCount is above 0; a rate() schedule; a role
ARN for ScheduledQueryRoleARN; not both IncludedTagKeys and ExcludedTagKeys. Not done here: running
the scheduled query (the alarm stays INSUFFICIENT_DATA). INFERRED: the QueryARN's form.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterCombination, ValidationError
from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends
from moto.core.exceptions import ServiceException
from moto.core.responses import EmptyResult
from moto.core.utils import utcnow

from demo.local_server.state import state_of

COMPARISONS = (
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
)
MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
RATE = re.compile(r"rate\((?P<n>\d+) (?P<unit>minutes?|hours?|days?)\)")
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")
LIMITS = {  # member: (largest length or value) from the model
    "AlarmName": 255,
    "AlarmDescription": 1024,
    "QueryString": 10_000,
    "AggregationExpression": 2048,
    "ScheduleExpression": 256,
    "StartTimeOffset": 2_592_000,
    "EndTimeOffset": 2_592_000,
    "ActionLogLineCount": 50,
    "QueryResultsToEvaluate": 100,
    "WarmUpPeriodDurationInMinutes": 2880,
}


class ResourceConflict(ServiceException):
    code = "ResourceConflict"


class InvalidNextToken(ServiceException):
    code = "InvalidNextToken"


def at_most(name: str, value: Any) -> None:
    size = len(value) if isinstance(value, str | list) else value
    if size is not None and size > LIMITS[name]:
        raise ValidationError(f"The value for parameter {name} must be at most {LIMITS[name]}.")


def refuse_taken_name(response: Any, name: Any, log_alarm: bool) -> None:
    """Alarm names are unique in a Region across metric, composite and log alarms."""
    taken = (
        name in cloudwatch_backends[response.current_account][response.region].alarms
        if log_alarm
        else name in state_of(response.current_account, response.region).log_alarms
    )
    if taken:
        kind = "metric or composite" if log_alarm else "log"
        raise ResourceConflict(f"An alarm named {name} exists already, as a {kind} alarm.")


def checked_query(config: dict[str, Any]) -> None:
    at_most("QueryString", config.get("QueryString", ""))
    at_most("AggregationExpression", config.get("AggregationExpression", ""))
    groups = config.get("LogGroupIdentifiers")
    if groups is not None and not 1 <= len(groups) <= 50:
        raise ValidationError("LogGroupIdentifiers must hold between 1 and 50 log groups.")
    if any(len(group) > 1024 for group in groups or []):
        raise ValidationError("A log group identifier is at most 1024 characters.")
    if not ROLE_ARN.fullmatch(str(config.get("ScheduledQueryRoleARN", ""))):
        raise ValidationError("ScheduledQueryRoleARN must be the ARN of an IAM role.")
    schedule = config.get("ScheduleConfiguration") or {}
    expression = str(schedule.get("ScheduleExpression", ""))
    at_most("ScheduleExpression", expression)
    rate = RATE.fullmatch(expression)
    if rate is None or int(rate["n"]) < 1:
        raise ValidationError(
            f"ScheduleExpression must be a rate() expression such as rate(5 minutes), not {expression!r}."
        )
    start, end = schedule.get("StartTimeOffset"), schedule.get("EndTimeOffset", 0)
    at_most("StartTimeOffset", start)
    at_most("EndTimeOffset", end)
    if end >= start:
        raise ValidationError("EndTimeOffset must be less than StartTimeOffset.")
    if len(config.get("Tags") or []) > 50:
        raise ValidationError("A scheduled query takes at most 50 tags.")


def checked(params: dict[str, Any]) -> None:
    at_most("AlarmName", params.get("AlarmName", ""))
    at_most("AlarmDescription", params.get("AlarmDescription", ""))
    checked_query(params.get("ScheduledQueryConfiguration") or {})
    if params.get("ComparisonOperator") not in COMPARISONS:
        raise ValidationError(f"ComparisonOperator must be one of {', '.join(COMPARISONS)}.")
    if params.get("TreatMissingData") not in (None, *MISSING_DATA):
        raise ValidationError(f"TreatMissingData must be one of {', '.join(MISSING_DATA)}.")
    evaluate, alarm = params.get("QueryResultsToEvaluate", 0), params.get("QueryResultsToAlarm", 0)
    at_most("QueryResultsToEvaluate", evaluate)
    if alarm > evaluate:
        raise ValidationError("QueryResultsToAlarm must be less than or equal to QueryResultsToEvaluate.")
    lines = params.get("ActionLogLineCount")
    if lines is not None and lines < 0:
        raise ValidationError("ActionLogLineCount must be between 0 and 50.")
    at_most("ActionLogLineCount", lines)
    if (lines or 0) > 0 and not params.get("ActionLogLineRoleArn"):
        raise InvalidParameterCombination("ActionLogLineRoleArn is required when ActionLogLineCount is above 0.")
    for key in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        if len(params.get(key) or []) > 5:
            raise ValidationError(f"{key} takes at most 5 actions.")
    if len(params.get("Tags") or []) > 50:
        raise ValidationError("An alarm takes at most 50 tags.")
    warm_up = params.get("WarmUpConfiguration") or {}
    at_most("WarmUpPeriodDurationInMinutes", warm_up.get("WarmUpPeriodDurationInMinutes"))
    propagation = (params.get("ActionConfiguration") or {}).get("AlarmTagsPropagation") or {}
    if propagation.get("IncludedTagKeys") and propagation.get("ExcludedTagKeys"):
        raise InvalidParameterCombination("Specify IncludedTagKeys or ExcludedTagKeys, not both.")


def put_log_alarm(self: Any) -> Any:
    params = self._get_params()
    checked(params)
    name = str(params["AlarmName"])
    refuse_taken_name(self, name, log_alarm=True)
    backend = cloudwatch_backends[self.current_account][self.region]
    alarms = state_of(self.current_account, self.region).log_alarms
    now = utcnow()
    arn = f"arn:aws:cloudwatch:{self.region}:{self.current_account}:alarm:{name}"
    previous = alarms.get(name)
    config = dict(params["ScheduledQueryConfiguration"])
    config["QueryARN"] = (
        previous["ScheduledQueryConfiguration"]["QueryARN"]
        if previous
        else f"arn:aws:logs:{self.region}:{self.current_account}:scheduled-query:{uuid.uuid4()}"
    )
    kept = ("StateValue", "StateReason", "StateUpdatedTimestamp", "StateTransitionedTimestamp")
    alarm: dict[str, Any] = {
        "AlarmName": name,
        "AlarmArn": arn,
        "AlarmConfigurationUpdatedTimestamp": now,
        "ActionsEnabled": params.get("ActionsEnabled", True),
        "OKActions": params.get("OKActions", []),
        "AlarmActions": params.get("AlarmActions", []),
        "InsufficientDataActions": params.get("InsufficientDataActions", []),
        "StateValue": "INSUFFICIENT_DATA",
        "StateReason": "Unchecked: Initial alarm creation",
        "StateUpdatedTimestamp": now,
        "StateTransitionedTimestamp": now,
        "ScheduledQueryConfiguration": config,
        "QueryResultsToEvaluate": params["QueryResultsToEvaluate"],
        "QueryResultsToAlarm": params["QueryResultsToAlarm"],
        "Threshold": float(params["Threshold"]),
        "ComparisonOperator": params["ComparisonOperator"],
        "ActionLogLineCount": params.get("ActionLogLineCount", 0),
    }
    optional = (
        "AlarmDescription",
        "TreatMissingData",
        "ActionLogLineRoleArn",
        "WarmUpConfiguration",
        "ActionConfiguration",
    )
    alarm |= {key: params[key] for key in optional if key in params}
    alarm |= {key: previous[key] for key in kept} if previous else {}
    alarms[name] = alarm
    if previous is None and params.get("Tags"):  # as with PutMetricAlarm, tags are set at creation
        backend.tagger.tag_resource(arn, params["Tags"])
    return EmptyResult()


HANDLERS = {"put_log_alarm": put_log_alarm}


def backend_methods(original: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """DeleteAlarms deletes log alarms too; TagResource takes rules and log alarms (moto: metric alarms only)."""

    def delete_alarms(self: CloudWatchBackend, alarm_names: Sequence[str]) -> None:
        original["delete_alarms"](self, alarm_names)
        log_alarms = state_of(self.account_id, self.region_name).log_alarms
        for name in alarm_names:
            gone = log_alarms.pop(name, None)
            if gone is not None:
                self.tagger.delete_all_tags_for_resource(gone["AlarmArn"])

    def tag_resource(self: CloudWatchBackend, arn: str, tags: list[dict[str, str]]) -> None:
        taggable = {rule.rule_arn for rule in self.insight_rules.values()}
        taggable |= {a["AlarmArn"] for a in state_of(self.account_id, self.region_name).log_alarms.values()}
        if arn in taggable:
            self.tagger.tag_resource(arn, tags)
            return
        original["tag_resource"](self, arn, tags)

    return {"delete_alarms": delete_alarms, "tag_resource": tag_resource}
