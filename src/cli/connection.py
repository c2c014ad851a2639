"""The CLI's AWS session: the Region as the AWS CLI picks it, and a quick check of the endpoint and
the credentials before any work, bounded so that an endpoint that never answers fails in seconds."""

from __future__ import annotations

import os
from collections.abc import Mapping

import boto3
from botocore.config import Config

from core.clients import RETRY_CONFIG, Clients
from core.progress import Progress

# The reachability check before any work: two attempts, each given 3 s to connect and 3 s to
# answer, so that an unreachable endpoint, or one that takes the connection and never answers,
# fails within PREFLIGHT_BOUND seconds instead of the run's ten attempts of up to 30 s each.
PREFLIGHT_ATTEMPTS = 2
PREFLIGHT_TIMEOUT = 3
PREFLIGHT_CONFIG = RETRY_CONFIG.merge(
    Config(
        connect_timeout=PREFLIGHT_TIMEOUT,
        read_timeout=PREFLIGHT_TIMEOUT,
        retries={"mode": "standard", "total_max_attempts": PREFLIGHT_ATTEMPTS},
    )
)
# botocore's standard mode waits at most 1 s (random, base 1 s) before its first retry; a connect
# timeout ends its attempt before any read, so each attempt takes at most one of the two timeouts.
FIRST_RETRY_WAIT = 1
PREFLIGHT_BOUND = PREFLIGHT_ATTEMPTS * PREFLIGHT_TIMEOUT + FIRST_RETRY_WAIT


def region_from(flag: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """--region, else what boto3 reads itself (AWS_DEFAULT_REGION, then the profile's region), except
    that AWS_REGION, which boto3 ignores, comes before the profile when AWS_DEFAULT_REGION is absent,
    as in the AWS CLI. None leaves the choice to boto3."""
    environ = os.environ if environ is None else environ
    if flag:
        return flag
    if environ.get("AWS_DEFAULT_REGION"):
        return None
    return environ.get("AWS_REGION") or None


def session_for(profile: str | None, region: str | None) -> boto3.Session:
    return boto3.Session(profile_name=profile, region_name=region_from(region))


def checked_clients(session: boto3.Session, progress: Progress | None = None, config: Config | None = None) -> Clients:
    """The run's clients (on `config`, the product's by default), after one quick identity call: a
    bad endpoint, bad credentials or an unreachable endpoint fail here in seconds, before any read."""
    clients = Clients(session=session, config=config)
    if progress:
        progress.status(f"checking the AWS endpoint and credentials in {clients.region}")
    session.client("sts", config=clients.config.merge(PREFLIGHT_CONFIG)).get_caller_identity()
    return clients
