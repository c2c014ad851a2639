"""Errors that stop a run. Outside input never raises; it becomes a value instead.

PlinsightsError
├── ConfigError      a setting is invalid: nothing is read or written
├── DiscoveryError   a read failed: the run stops before planning, so a failed read never
│                    looks like resources that are gone and deletes nothing
├── UnknownIdError   (core/inspect/resource_ids.py) the id given to explain or top names nothing
└── ReconcileError  the run finished but some changes failed: raised by the Lambda handler so
                     that its on-failure destination sees it; the next run repairs them
"""

from __future__ import annotations


class PlinsightsError(Exception):
    """Base of every error this project raises on purpose; `hint`, when given, is a second line
    saying what to do about it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class ConfigError(PlinsightsError):
    """A setting is missing or invalid."""


class DiscoveryError(PlinsightsError):
    """A read of the account failed; planning on partial data could delete live monitoring."""


class ReconcileError(PlinsightsError):
    """Some changes failed; the rest were made, and the next reconcile retries the failed ones."""
