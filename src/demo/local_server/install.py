"""Adds the local server's operations to moto's response classes (once per process)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from demo.local_server import (
    alarms,
    ec2_connections,
    insight_report,
    insight_rules,
    log_alarms,
    metric_data,
    service_quotas,
)

_installed = False
_lock = threading.Lock()


def patch(response_class: Any, handlers: Mapping[str, Callable[..., Any]]) -> None:
    for name, handler in handlers.items():
        setattr(response_class, name, handler)


def install() -> None:
    """moto routes an action to the response method of its snake_case name: a method added
    before the first request is found like moto's own (their parameters parsed, their results
    serialized by moto from the botocore model)."""
    global _installed  # noqa: PLW0603 - once per process, like moto's own class definitions
    with _lock:
        if _installed:
            return
        from moto.cloudwatch.models import CloudWatchBackend  # noqa: PLC0415 - moto's backends load on first use
        from moto.cloudwatch.responses import CloudWatchResponse  # noqa: PLC0415
        from moto.ec2.responses import EC2Response  # noqa: PLC0415
        from moto.servicequotas.responses import ServiceQuotasResponse  # noqa: PLC0415

        kept = ("list_aws_default_service_quotas", "get_service_quota")  # moto's, for other service codes
        originals = {name: getattr(ServiceQuotasResponse, name) for name in kept}
        patch(ServiceQuotasResponse, service_quotas.handlers(originals))
        patch(EC2Response, ec2_connections.HANDLERS)
        rule_methods = ("put_insight_rule", "enable_insight_rules", "disable_insight_rules", "delete_insight_rules")
        patch(
            CloudWatchBackend,
            insight_rules.backend_methods({name: getattr(CloudWatchBackend, name) for name in rule_methods}),
        )
        patch(CloudWatchResponse, insight_rules.HANDLERS | insight_report.HANDLERS | log_alarms.HANDLERS)
        alarm_responses = ("put_metric_alarm", "describe_alarms")
        patch(CloudWatchResponse, alarms.response_methods({n: getattr(CloudWatchResponse, n) for n in alarm_responses}))
        patch(CloudWatchResponse, metric_data.response_methods({"get_metric_data": CloudWatchResponse.get_metric_data}))
        alarm_methods = ("delete_alarms", "tag_resource")
        patch(CloudWatchBackend, log_alarms.backend_methods({n: getattr(CloudWatchBackend, n) for n in alarm_methods}))
        _installed = True
