"""Settings from the environment: each value parsed by its field's type, a bad one refused by name."""

from dataclasses import dataclass, fields

import pytest

from core.errors import ConfigError
from core.settings import Settings


@dataclass(frozen=True, slots=True)
class SwitchedSettings(Settings):
    """A future boolean setting: the environment must give it a bool, never the string it read."""

    dry_run_only: bool = False


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("TRUE", True), ("1", True), ("yes", True), (" Yes ", True),
     ("false", False), ("False", False), ("0", False), ("no", False), ("NO", False)],
)  # fmt: skip
def test_a_boolean_setting_is_read_from_its_words(raw: str, expected: bool) -> None:
    value = SwitchedSettings.from_env({"PLINSIGHTS_DRY_RUN_ONLY": raw}).dry_run_only
    assert value is expected


@pytest.mark.parametrize("raw", ["maybe", "on", "2", "truthy", "nope"])
def test_a_boolean_setting_refuses_other_words_by_name(raw: str) -> None:
    with pytest.raises(
        ConfigError, match=r"PLINSIGHTS_DRY_RUN_ONLY=.* is not a valid bool \(0, 1, false, no, true, yes\)"
    ):
        SwitchedSettings.from_env({"PLINSIGHTS_DRY_RUN_ONLY": raw})


def test_numbers_are_parsed_by_the_field_type() -> None:
    settings = Settings.from_env({"PLINSIGHTS_BYTES_THRESHOLD": " 2.5 ", "PLINSIGHTS_MAX_DELETES": "7"})
    assert settings.bytes_threshold == 2.5 and isinstance(settings.bytes_threshold, float)
    assert settings.max_deletes == 7 and isinstance(settings.max_deletes, int)


@pytest.mark.parametrize(
    ("variable", "raw", "kind"), [("MAX_DELETES", "7.5", "int"), ("BYTES_THRESHOLD", "many", "float")]
)
def test_a_number_that_does_not_parse_is_refused_by_name(variable: str, raw: str, kind: str) -> None:
    with pytest.raises(ConfigError, match=f"PLINSIGHTS_{variable}='{raw}' is not a valid {kind}"):
        Settings.from_env({f"PLINSIGHTS_{variable}": raw})


def env_text(value: object) -> str:
    """A value as an environment variable (or a template parameter) holds it: a tuple as a comma list."""
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)


def test_every_setting_is_readable_from_the_environment_as_its_own_type() -> None:
    defaults = Settings()
    env = {f"PLINSIGHTS_{f.name.upper()}": env_text(getattr(defaults, f.name)) for f in fields(Settings)}
    assert Settings.from_env(env) == defaults


def test_text_settings_stay_text() -> None:
    assert Settings.from_env({"PLINSIGHTS_PREFIX": "team_a"}).prefix == "team_a"
