"""The ids a person gives explain and top (core/inspect/resource_ids.py): what a flow-log line shows
(an ENI), what a provider knows (an endpoint service), and never an empty one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.inspect.resource_ids import UnknownIdError, find_resource
from tests.builders import endpoint, load_balancer

ENDPOINT = endpoint("vpce-1", eni_ids=("eni-1", "eni-2"))
NLB = replace(load_balancer("orders", eni_ids=("eni-n1", "eni-n2")), endpoint_services=("vpce-svc-0abc",))
RESOURCES = (ENDPOINT, NLB)


@pytest.mark.parametrize(
    ("query", "resource", "matched_by"),
    [
        ("vpce-1", ENDPOINT, "endpoint id"),
        (NLB.resource_id, NLB, "load balancer ARN"),
        (NLB.short_id, NLB, "Network Load Balancer short id"),
        ("orders", NLB, "Network Load Balancer name"),
        ("eni-2", ENDPOINT, "network interface eni-2"),
        ("eni-n1", NLB, "network interface eni-n1"),
        ("vpce-svc-0abc", NLB, "endpoint service vpce-svc-0abc"),
    ],
)
def test_each_kind_of_id_names_its_resource(query: str, resource, matched_by: str) -> None:
    assert find_resource(query, RESOURCES, "us-east-1") == (resource, matched_by)


@pytest.mark.parametrize("query", ["", "   "])
def test_an_empty_id_is_refused(query: str) -> None:
    with pytest.raises(UnknownIdError, match="an empty id names no resource") as raised:
        find_resource(query, RESOURCES, "us-east-1")
    assert "network interface" in raised.value.hint


def test_an_endpoint_service_of_two_load_balancers_asks_for_one() -> None:
    second = replace(load_balancer("billing", eni_ids=("eni-b1",)), endpoint_services=("vpce-svc-0abc",))
    with pytest.raises(UnknownIdError, match="'vpce-svc-0abc' is the endpoint service of 2 resources"):
        find_resource("vpce-svc-0abc", (*RESOURCES, second), "us-east-1")


def test_an_unknown_eni_offers_the_nearest_ids() -> None:
    with pytest.raises(UnknownIdError, match="did you mean eni-n2 or eni-n1"):
        find_resource("eni-n9", RESOURCES, "us-east-1")
