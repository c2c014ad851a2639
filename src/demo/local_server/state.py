"""What the local server keeps beside moto's own backends, per account and Region.

It lives in a moto backend of its own, so moto's /moto-api/reset clears it with everything else
(moto's reset empties every BackendDict that was used) and no test sees another's state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend

DEFAULT_ACCOUNT = "123456789012"  # moto's account when a request names none


@dataclass
class ConsumerEndpoint:
    """An interface endpoint of another account, connected to one of this account's endpoint
    services. In AWS it lives in the consumer's account; the provider sees it only through
    DescribeVpcEndpointConnections, so here it is written through a local control call."""

    service_id: str
    endpoint_id: str
    owner: str
    state: str  # lower camel case, as EC2 answers: pendingAcceptance | available | rejected ...
    created: datetime
    ip_address_type: str
    region: str
    dns_entries: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ManagedRule:
    """A Contributor Insights rule made by PutManagedInsightRules: which template, for which resource."""

    template: str
    resource_arn: str


@dataclass
class AnalysisWindow:
    """A span in which a rule was enabled: in the order moto's logs backend received log events
    (the events numbered [start, end) arrived while the rule analysed), and in wall-clock seconds
    [started, ended). None: it still analyses."""

    start: int
    started: float
    end: int | None = None
    ended: float | None = None


class LocalState(BaseBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.consumer_endpoints: dict[str, ConsumerEndpoint] = {}  # by endpoint id
        self.managed_rules: dict[str, ManagedRule] = {}  # by rule name
        self.rule_windows: dict[str, list[AnalysisWindow]] = {}  # by rule name
        self.log_alarms: dict[str, dict[str, Any]] = {}  # by alarm name: the LogAlarm shape
        self.contributors_since: dict[str, dict[str, datetime]] = {}  # alarm -> contributor id -> in ALARM since
        self.applied_quotas: dict[tuple[str, str], float] = {}  # (service code, quota code) -> value
        self.withheld_quotas: set[tuple[str, str]] = set()  # quotas whose applied value is not available


# Keyed by "ec2" only for the list of Regions moto makes a backend for: every Region.
local_state: BackendDict[LocalState] = BackendDict(LocalState, "ec2")


def state_of(account_id: str, region: str) -> LocalState:
    return local_state[account_id][region]
