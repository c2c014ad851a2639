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
