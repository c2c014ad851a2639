"""boto3 clients with one retry configuration, made on first use and never at import."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from core.errors import ConfigError

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_resourcegroupstaggingapi import ResourceGroupsTaggingAPIClient
    from mypy_boto3_service_quotas import ServiceQuotasClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sts import STSClient


# Adaptive mode backs off and rate-limits the client itself when AWS throttles; ten attempts ride
# out the 1-5 TPS Contributor Insights rule APIs and the EC2 token buckets.
RETRY_CONFIG = Config(
    retries={"mode": "adaptive", "total_max_attempts": 10},  # botocore's max_attempts counts retries only
    connect_timeout=5,
    read_timeout=30,
    user_agent_extra="privatelink-insights",
)

THROTTLING_CODES = frozenset(
    {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled"}
)

# The calls that answer LimitExceededException when the Region's rule quota is full: creating a
# rule, and enabling one (an enabled rule counts against the quota; aws-facts F7).
QUOTA_BOUND_OPERATIONS = ("PutInsightRule", "EnableInsightRules")


def no_retry_when_the_quota_is_full(response: Any = None, **_: Any) -> bool | None:
    """A full rule quota answers LimitExceededException, a code botocore retries as throttling
    (CloudWatch throttles with "Throttling"). Retries cannot free a quota: False tells botocore not
    to retry, so the change fails at once and the run goes on."""
    if response and response[1].get("Error", {}).get("Code") == "LimitExceededException":
        return False
    return None


class Clients:
    """The AWS clients of one run; boto3 reads profile, Region and AWS_ENDPOINT_URL itself."""

    def __init__(
        self, session: boto3.Session | None = None, region: str | None = None, config: Config | None = None
    ) -> None:
        self.session = session or boto3.Session(region_name=region)
        self.config = RETRY_CONFIG if config is None else config  # tests that inject faults retry less
        if not self.session.region_name:
            raise ConfigError("no AWS Region: set AWS_REGION or AWS_DEFAULT_REGION, or pass --region")
        self.region: str = self.session.region_name
        self.throttles = 0  # throttled attempts, retried by botocore: a sign to slow down
        self.session.events.register("needs-retry", self._count_throttle)

    def _count_throttle(self, response: Any = None, **_: Any) -> None:
        if response and response[1].get("Error", {}).get("Code") in THROTTLING_CODES:
            self.throttles += 1

    @cached_property
    def ec2(self) -> EC2Client:
        return self.session.client("ec2", config=self.config)

    @cached_property
    def elbv2(self) -> ElasticLoadBalancingv2Client:
        return self.session.client("elbv2", config=self.config)

    @cached_property
    def cloudwatch(self) -> CloudWatchClient:
        # Writes here are spaced by our pacer (core/apply/pacing.py). Adaptive mode's client-side limiter
        # would also take a full rule quota (LimitExceededException) for throttling and slow every
        # later call of the run, veto or not; standard mode retries real throttling all the same.
        retries: Any = {**(vars(self.config).get("retries") or {}), "mode": "standard"}
        config: Config = self.config.merge(Config(retries=retries))
        client: CloudWatchClient = self.session.client("cloudwatch", config=config)
        # The stubs type every handler as returning None; a needs-retry handler returns a delay or False.
        veto: Any = no_retry_when_the_quota_is_full
        for operation in QUOTA_BOUND_OPERATIONS:
            client.meta.events.register_first(f"needs-retry.cloudwatch.{operation}", veto)
        return client

    @cached_property
    def logs(self) -> CloudWatchLogsClient:
        # Read only by `plinsights preview` (FilterLogEvents), never by the Lambda functions.
        return self.session.client("logs", config=self.config)

    @cached_property
    def tagging(self) -> ResourceGroupsTaggingAPIClient:
        return self.session.client("resourcegroupstaggingapi", config=self.config)

    @cached_property
    def service_quotas(self) -> ServiceQuotasClient:
        # One attempt: a quota read that fails falls back to the configured quota, no retry storm.
        return self.session.client(
            "service-quotas", config=self.config.merge(Config(retries={"mode": "standard", "total_max_attempts": 1}))
        )

    @cached_property
    def sns(self) -> SNSClient:
        # Publish only: a run's announcements to the alarm topic (core/announce/).
        return self.session.client("sns", config=self.config)

    @cached_property
    def sts(self) -> STSClient:
        return self.session.client("sts", config=self.config)

    @cached_property
    def account_id(self) -> str:
        return self.sts.get_caller_identity()["Account"]

    @cached_property
    def partition(self) -> str:
        return self.session.get_partition_for_region(self.region)
