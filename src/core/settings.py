"""Settings, resolved once per run: an explicit argument, else the environment, else the default."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Self, get_type_hints

from core.errors import ConfigError
from core.model import RuleKind

PACING_MODES = ("auto", "on", "off")

OWNER_TAG = "plinsights:owner"  # value: the deployment's prefix, so two deployments never share artifacts

RESOURCE_TAG = "plinsights:resource-id"

KIND_TAG = "plinsights:kind"

# On the one alarm of a resource that carries it: the resource's monitoring as last announced
# (core/announce/), so that each change is told once and never on every run.
MONITORING_TAG = "plinsights:monitoring"

# No "-" in either prefix: names are <prefix>-..., and IAM resource patterns are plain prefixes, so
# with a "-" allowed, one deployment's `insight-rule/a-*` would also grant another's `a-b-...`.
# Without it, "<prefix>-" never starts another prefix's names (tests/unit/test_isolation.py).
PREFIX_PATTERN = re.compile(r"[A-Za-z0-9_]{1,24}")  # fits rule, alarm and dashboard names alike

DASHBOARD_PREFIX_PATTERN = re.compile(r"[A-Za-z0-9_]{1,64}")  # dashboard names: no "."

MAX_ALARM_WINDOW = 86_400  # PutMetricAlarm: period x evaluation periods, for periods under an hour

MAX_QUERY_ALARMS = 200  # Metrics Insights alarms per Region (CloudWatch alarm quotas; aws-facts G6)

RULE_ALARM_MODES = ("total", "top", "both")

RULE_KINDS = tuple(kind.value for kind in RuleKind)  # every rule kind, in the order rules are made


def period_error(seconds: int) -> str:
    """Alarms on Contributor Insights and PrivateLink metrics use whole minutes, at most a day."""
    if seconds < 60 or seconds % 60 or seconds > MAX_ALARM_WINDOW:
        return f"{seconds} is not a whole number of minutes between 60 and {MAX_ALARM_WINDOW} seconds"
    return ""


@dataclass(frozen=True, slots=True)
class Settings:
    prefix: str = "plinsights"
    rule_state: str = "ENABLED"
    alarm_topic_arn: str = ""  # alarm and OK actions; no actions when empty
    # Which alarms the byte and reject rules get: "total" (the sum over all contributors), "top"
    # (the top contributor alone) or "both"; docs/alarms.md says why "top" is the default.
    rule_alarms: str = "top"
    # Defaults from cited figures (docs/alarms.md#why-these-defaults). An endpoint carries up to
    # 10 Gbps per Availability Zone before PrivateLink scales it (PrivateLink quotas): 750 GB in 600 s.
    bytes_threshold: float = 1.5e12  # total: all pairs together at 20 Gbps, two zones' 10 Gbps, per bytes_period
    bytes_top_threshold: float = 75e9  # top: one pair at a tenth of a zone's 10 Gbps for the period
    bytes_period: int = 600  # flow logs' default aggregation interval: a datapoint is one interval
    rejects_threshold: float = 100.0  # total: rejected flow records of all sources per rejects_period
    # top: rejected records of one source at one ENI. A blocked call is one record per attempt (the
    # AWS SDKs make 3); a port scan sweeps many ports (nmap's default: the 1,000 most common).
    rejects_top_threshold: float = 20.0
    rejects_period: int = 60
    # Alarms on PrivateLink's own metrics (core/desire/health_alarms.py): every live resource gets them.
    drops_threshold: float = 1.0  # PacketsDropped per 300 s: MSS clamping fits TCP, a healthy endpoint drops none
    drops_period: int = 300
    # RstPacketsReceived by an endpoint per 300 s, one a second: a refused connection resets every
    # attempt; healthy traffic resets at most each pooled connection idle past 350 s (NLB idle timeout).
    resets_received_threshold: float = 300.0
    resets_received_period: int = 300
    resets_threshold: float = 300.0  # RstPacketsSent by a load balancer's endpoint services per 300 s
    resets_period: int = 300  # also the period of the per-consumer resets alarm
    connections_threshold: float = 100_000.0  # NewConnections of a load balancer's endpoint services per 300 s
    connections_period: int = 300  # also the period of the per-consumer connections alarm
    consumer_resets_threshold: float = 300.0  # RstPacketsSent to any one consumer endpoint per resets_period
    consumer_connections_threshold: float = 100_000.0  # NewConnections of any one consumer endpoint per period
    # The four managed Contributor Insights rules of each endpoint service (PutManagedInsightRules): its
    # consumer endpoints ranked by AWS, no flow log needed; each counts against the rule quota.
    managed_rules: bool = False
    # Metrics Insights alarms this deployment may keep (two per endpoint service, for its consumers):
    # AWS allows 200 per Region for the whole account, so by default half is left to others.
    query_alarm_limit: int = 100
    selection: str = "all"  # "all": everything not excluded; "tagged": only resources with include_tag
    exclude_tag: str = "plinsights:exclude"
    include_tag: str = "plinsights:monitor"
    dashboard_prefix: str = "PrivateLink"
    rule_quota: int = 100  # Contributor Insights rules per Region, when Service Quotas cannot tell
    max_deletes: int = 60  # per run; more means a discovery glitch until proven otherwise (10 resources' worth)
    # Rules are shared (core/desire/shared_rules.py); resources that need rules of their own (the tag
    # plinsights:dedicated-rules, or a per-resource rule-alarm threshold) get them within this share
    # of the Region's available rule quota, 0 to 1.
    dedicated_rule_share: float = 0.2
    # Write pacing (core/apply/pacing.py): "auto" paces unless the AWS endpoint is on this machine (moto).
    pacing: str = "auto"
    rule_write_rate: float = 1.0  # PutInsightRule, DeleteInsightRules, Enable/DisableInsightRules: 1 or 5 TPS
    alarm_write_rate: float = 3.0  # PutMetricAlarm, DeleteAlarms: 3 TPS
    dashboard_write_rate: float = 10.0  # PutDashboard, DeleteDashboards: 10 TPS
    # The rule kinds each monitored resource gets (RuleKind values in core/model.py): fewer kinds, fewer
    # rules against the Region's quota; rules of a kind left out are deleted like any rule of ours.
    rule_kinds: tuple[str, ...] = RULE_KINDS
    # List prices for the cost estimate (core/desire/cost.py), USD: the CloudWatch pricing page for us-east-1
    # (docs/operations.md#costs says which figures could not be confirmed from a stored copy).
    price_rule_month: float = 0.50  # per Contributor Insights rule per month
    price_matched_events_million: float = 0.02  # per million log events that match a rule
    price_alarm_metric_month: float = 0.10  # per metric a standard-resolution alarm evaluates, per month
    price_dashboard_month: float = 3.00  # per dashboard per month beyond the free ones
    # AWS's free tier: 3 dashboards of up to 50 metrics each, account-wide. Ours pass 50 metrics at
    # about five resources (three rule widgets and five PrivateLink metrics each), so none by default.
    free_dashboards: int = 0

    def __post_init__(self) -> None:
        if not PREFIX_PATTERN.fullmatch(self.prefix):
            raise ConfigError(
                f"prefix {self.prefix!r} must be 1-24 characters from A-Za-z0-9_ (no '-', which would let "
                "the IAM policy of one deployment match another's names)"
            )
        for name, value, allowed in (
            ("rule state", self.rule_state, ("ENABLED", "DISABLED")),
            ("rule alarms", self.rule_alarms, RULE_ALARM_MODES),
            ("selection", self.selection, ("all", "tagged")),
        ):
            if value not in allowed:
                raise ConfigError(f"{name} {value!r} must be one of {', '.join(allowed)}")
        if not DASHBOARD_PREFIX_PATTERN.fullmatch(self.dashboard_prefix):
            raise ConfigError(
                f"dashboard prefix {self.dashboard_prefix!r} must be 1-64 characters from A-Za-z0-9_ (no '-', "
                "as for the prefix)"
            )
        if self.rule_quota < 0 or self.max_deletes < 0:
            raise ConfigError("rule quota and maximum deletions must not be negative")

        if self.pacing not in PACING_MODES:
            raise ConfigError(f"pacing {self.pacing!r} must be one of {', '.join(PACING_MODES)}")
        rates = {"rule": self.rule_write_rate, "alarm": self.alarm_write_rate, "dashboard": self.dashboard_write_rate}
        for kind, rate in rates.items():
            if not math.isfinite(rate) or rate <= 0:
                raise ConfigError(f"{kind} write rate must be a finite number of calls per second above 0")
        self.check_rule_kinds_and_prices()
        for stem, threshold in self.thresholds.items():
            if not math.isfinite(threshold) or threshold < 0:
                raise ConfigError(f"{stem.replace('_', ' ')} threshold must be a finite number, 0 or more")
        for stem, period in self.periods.items():
            if problem := period_error(period):
                raise ConfigError(f"{stem} period: {problem}")

    def check_rule_kinds_and_prices(self) -> None:
        if not 0 <= self.dedicated_rule_share <= 1:
            raise ConfigError(f"dedicated rule share {self.dedicated_rule_share:g} must be between 0 and 1")
        if not 0 <= self.query_alarm_limit <= MAX_QUERY_ALARMS:
            raise ConfigError(
                f"query alarm limit {self.query_alarm_limit} must be 0 to {MAX_QUERY_ALARMS}: AWS allows "
                f"{MAX_QUERY_ALARMS} Metrics Insights alarms per Region"
            )
        if not self.rule_kinds:
            raise ConfigError(f"rule kinds must name at least one of {', '.join(RULE_KINDS)}")
        if unknown := [kind for kind in self.rule_kinds if kind not in RULE_KINDS]:
            raise ConfigError(
                f"rule kind{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} unknown: "
                f"the rule kinds are {', '.join(RULE_KINDS)}"
            )
        for name, price in self.prices.items():
            if not math.isfinite(price) or price < 0:
                raise ConfigError(f"{name.replace('_', ' ')} must be a finite number of USD, 0 or more")
        if self.free_dashboards < 0:
            raise ConfigError("free dashboards must not be negative")

    @property
    def thresholds(self) -> dict[str, float]:
        """Each alarm threshold by its stem: the setting <stem>_threshold, the tag plinsights:<stem>-threshold."""
        return {
            "bytes": self.bytes_threshold,
            "bytes_top": self.bytes_top_threshold,
            "rejects": self.rejects_threshold,
            "rejects_top": self.rejects_top_threshold,
            "drops": self.drops_threshold,
            "resets_received": self.resets_received_threshold,
            "resets": self.resets_threshold,
            "connections": self.connections_threshold,
            "consumer_resets": self.consumer_resets_threshold,
            "consumer_connections": self.consumer_connections_threshold,
        }

    @property
    def periods(self) -> dict[str, int]:
        """Each alarm period by its stem: the setting <stem>_period, the tag plinsights:<stem>-period."""
        return {
            "bytes": self.bytes_period,
            "rejects": self.rejects_period,
            "drops": self.drops_period,
            "resets_received": self.resets_received_period,
            "resets": self.resets_period,
            "connections": self.connections_period,
        }

    @property
    def prices(self) -> dict[str, float]:
        """Each list price of the cost estimate by its setting's name."""
        return {
            "price_rule_month": self.price_rule_month,
            "price_matched_events_million": self.price_matched_events_million,
            "price_alarm_metric_month": self.price_alarm_metric_month,
            "price_dashboard_month": self.price_dashboard_month,
        }

    @property
    def owner_tags(self) -> dict[str, str]:
        return {OWNER_TAG: self.prefix}

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Each field reads PLINSIGHTS_<FIELD>, parsed by the field's type; a value that does not
        parse is a ConfigError."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        types = get_type_hints(cls)  # the real types: `from __future__ import annotations` makes them text
        for field in fields(cls):
            raw = env.get(f"PLINSIGHTS_{field.name.upper()}")
            if raw is None or raw == "":
                continue
            values[field.name] = parse_setting(f"PLINSIGHTS_{field.name.upper()}", raw, types[field.name])
        if "rule_state" in values:
            values["rule_state"] = values["rule_state"].upper()
        for name in ("pacing", "rule_alarms"):
            if name in values:
                values[name] = values[name].lower()
        if "rule_kinds" in values:
            values["rule_kinds"] = tuple(kind.lower() for kind in values["rule_kinds"])
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)


TRUE_WORDS, FALSE_WORDS = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})


def parse_bool(text: str) -> bool:
    """bool("false") is True: a switch is read from its words, and anything else is refused."""
    word = text.lower()
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ValueError(text)


def parse_text_list(text: str) -> tuple[str, ...]:
    """A comma list, as a CloudFormation parameter passes it: items trimmed, empty ones dropped
    (so "a, b," is a and b); the setting itself says which items it accepts."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


PARSERS: dict[Any, Callable[[str], Any]] = {
    bool: parse_bool,
    int: int,
    float: float,
    str: str,
    tuple[str, ...]: parse_text_list,
}


def parse_setting(variable: str, raw: str, kind: Any) -> Any:
    """The value of one environment variable as the field's type (bool, int, float, str, or a comma
    list of text: tuple[str, ...])."""
    parse = PARSERS.get(kind)
    if parse is None:  # a field of another type needs its parser here before it can be set
        raise ConfigError(f"{variable} cannot be set from the environment: no parser for {kind}")
    try:
        return parse(raw.strip())
    except ValueError as err:
        words = f" ({', '.join(sorted(TRUE_WORDS | FALSE_WORDS))})" if kind is bool else ""
        raise ConfigError(f"{variable}={raw!r} is not a valid {getattr(kind, '__name__', kind)}{words}") from err
