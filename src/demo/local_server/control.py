"""The local server's control calls, for the demo, the tests and the benchmark: what AWS does
outside the account's API (another account creates an endpoint to our service; an increase
request is approved). They exist on the local server only, never in AWS."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class ControlRefusedError(RuntimeError):
    """The local server refused a control call; the message says why."""


def control(endpoint_url: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{endpoint_url}/local-server/{name}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request) as response:
            answer: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as err:
        raise ControlRefusedError(json.loads(err.read() or b"{}").get("Error", str(err))) from None
    return answer


def add_consumer_endpoint(
    endpoint_url: str,
    service_id: str,
    owner: str,
    *,
    state: str | None = None,
    ip_address_type: str = "ipv4",
    endpoint_region: str | None = None,
    account_id: str | None = None,
    region: str | None = None,
) -> str:
    """An interface endpoint of account `owner` connected to our endpoint service `service_id`
    (pendingAcceptance when the service requires acceptance, else available); its id."""
    body: dict[str, Any] = {"ServiceId": service_id, "VpcEndpointOwner": owner, "IpAddressType": ip_address_type}
    body |= {"VpcEndpointState": state} if state else {}
    body |= {"VpcEndpointRegion": endpoint_region} if endpoint_region else {}
    body |= {"AccountId": account_id} if account_id else {}
    body |= {"Region": region} if region else {}
    return str(control(endpoint_url, "consumer-endpoints", body)["VpcEndpointId"])


def set_applied_quota(
    endpoint_url: str,
    quota_code: str,
    value: float | None,
    *,
    withheld: bool = False,
    account_id: str | None = None,
    region: str | None = None,
) -> None:
    """The applied value of a `monitoring` quota (None: back to its default); withheld: Service
    Quotas cannot give its applied value (ListServiceQuotas leaves it out)."""
    body: dict[str, Any] = {"ServiceCode": "monitoring", "QuotaCode": quota_code, "Value": value, "Withheld": withheld}
    body |= {"AccountId": account_id} if account_id else {}
    body |= {"Region": region} if region else {}
    control(endpoint_url, "service-quotas", body)
