"""The clients' retry configuration: one place, and CloudWatch's own mode."""

import boto3

from core.clients import RETRY_CONFIG, Clients


def test_cloudwatch_retries_in_standard_mode_so_a_full_quota_never_slows_the_rest_of_the_run() -> None:
    """Adaptive mode's client-side limiter takes LimitExceededException for throttling and slows every
    later call; the pacer already spaces CloudWatch writes, so CloudWatch keeps only the retries."""
    clients = Clients(session=boto3.Session(region_name="us-east-1"))
    cloudwatch, ec2 = (vars(client.meta.config)["retries"] for client in (clients.cloudwatch, clients.ec2))
    assert cloudwatch["mode"] == "standard" and ec2["mode"] == vars(RETRY_CONFIG)["retries"]["mode"] == "adaptive"
    assert cloudwatch["total_max_attempts"] == ec2["total_max_attempts"]  # as many attempts as every client


PRODUCT_ATTEMPTS = 10  # docs/reliability.md: "up to 10 attempts"


def test_every_client_makes_at_most_the_documented_attempts_and_the_quota_read_one() -> None:
    """botocore's `max_attempts` counts retries (one attempt more); the settings count attempts."""
    clients = Clients(session=boto3.Session(region_name="us-east-1"))
    for client in (clients.ec2, clients.elbv2, clients.logs, clients.tagging, clients.cloudwatch):
        assert vars(client.meta.config)["retries"]["total_max_attempts"] == PRODUCT_ATTEMPTS
    assert vars(clients.service_quotas.meta.config)["retries"]["total_max_attempts"] == 1
