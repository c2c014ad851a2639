"""Errors that stop a run. Outside input never raises; it becomes a value instead.

PlinsightsError
├── ConfigError      a setting is invalid: nothing is read or written
├── DiscoveryError   a read failed: the run stops before planning, so a failed read never
│                    looks like resources that are gone and deletes nothing
└── ReconcileFailed  the run finished but some changes failed: raised by the Lambda handler so
                     that its on-failure destination sees it; the next run repairs them
"""


class PlinsightsError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(PlinsightsError):
    """A setting is missing or invalid."""


class DiscoveryError(PlinsightsError):
    """A read of the account failed; planning on partial data could delete live monitoring."""


class ReconcileFailed(PlinsightsError):  # noqa: N818 - the errorType the failure destination sees
    """Some changes failed; the rest were made, and the next reconcile retries the failed ones."""
