"""Settings, resolved once per run: an explicit argument, else the environment, else the default."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from core.errors import ConfigError

PROJECT = "privatelink-insights"
OWNER_TAG = "plinsights:owner"  # value: the deployment's prefix, so two deployments never share artifacts
RESOURCE_TAG = "plinsights:resource-id"
KIND_TAG = "plinsights:rule-kind"
DEFAULT_PREFIX = "plinsights"
DEFAULT_RULE_STATE = "ENABLED"
PREFIX_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,24}")  # fits rule, alarm and dashboard names alike


@dataclass(frozen=True, slots=True)
class Settings:
    prefix: str = DEFAULT_PREFIX
    rule_state: str = DEFAULT_RULE_STATE

    def __post_init__(self) -> None:
        if not PREFIX_PATTERN.fullmatch(self.prefix):
            raise ConfigError(f"prefix {self.prefix!r} must be 1-24 characters from A-Za-z0-9_-")
        if self.rule_state not in ("ENABLED", "DISABLED"):
            raise ConfigError(f"rule state {self.rule_state!r} must be ENABLED or DISABLED")

    @property
    def owner_tags(self) -> dict[str, str]:
        return {OWNER_TAG: self.prefix}

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: str) -> Settings:
        env = os.environ if env is None else env
        values = {
            "prefix": env.get("PLINSIGHTS_PREFIX", DEFAULT_PREFIX),
            "rule_state": env.get("PLINSIGHTS_RULE_STATE", DEFAULT_RULE_STATE).upper(),
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)
