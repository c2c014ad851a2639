"""Which setting wins with --stack (cli/stack.py): the deployed function's, unless the command line
says so explicitly; a shell that contradicts the stack is refused, naming the variable."""

from __future__ import annotations

from typing import Any

import pytest

from cli.main import EXIT_ERROR, main
from cli.stack import resolve_settings, stack_name
from core.errors import ConfigError
from core.settings import Settings
from demo.stack import function_environment

DEPLOYED = Settings(prefix="team1", rule_kinds=("bytes", "rejects"), dashboard_prefix="Team1", max_deletes=5)
FUNCTION_ENV = function_environment(DEPLOYED)
NO_FLAGS = {"prefix": None, "dashboard_prefix": None, "max_deletes": None}


def resolved(shell: dict[str, str], *, override: bool = False, **flags: Any) -> Settings:
    return resolve_settings(shell, NO_FLAGS | flags, "prod", FUNCTION_ENV, override)


def test_with_a_stack_every_setting_is_the_functions() -> None:
    assert resolved({}) == DEPLOYED


def test_without_a_stack_flags_then_the_shell_then_the_defaults() -> None:
    shell = {"PLINSIGHTS_PREFIX": "team3", "PLINSIGHTS_RULE_STATE": "disabled"}
    settings = resolve_settings(shell, NO_FLAGS | {"prefix": "team4"})
    assert (settings.prefix, settings.rule_state, settings.max_deletes) == ("team4", "DISABLED", Settings().max_deletes)


def test_the_flag_names_the_stack_before_the_environment() -> None:
    assert stack_name("prod", {"PLINSIGHTS_STACK": "test"}) == "prod"
    assert stack_name(None, {"PLINSIGHTS_STACK": "test"}) == "test"
    assert stack_name(None, {"PLINSIGHTS_STACK": ""}) is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [("PLINSIGHTS_RULE_KINDS", "bytes"), ("PLINSIGHTS_PREFIX", "team2"), ("PLINSIGHTS_BYTES_THRESHOLD", "5")],
)
def test_a_contradicting_shell_variable_is_refused_by_name(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{variable}={value} in this shell contradicts stack prod") as raised:
        resolved({variable: value})
    assert "\n" not in str(raised.value) and not raised.value.hint  # one line


def test_a_variable_the_stack_leaves_to_its_default_is_compared_with_the_default() -> None:
    function_env = {name: value for name, value in FUNCTION_ENV.items() if name != "PLINSIGHTS_RESETS_PERIOD"}
    with pytest.raises(ConfigError, match="none set, so the default 300"):
        resolve_settings({"PLINSIGHTS_RESETS_PERIOD": "600"}, NO_FLAGS, "prod", function_env)


def test_the_same_value_written_otherwise_agrees() -> None:
    shell = {
        "PLINSIGHTS_RULE_KINDS": "Bytes, rejects",
        "PLINSIGHTS_BYTES_THRESHOLD": f"{DEPLOYED.bytes_threshold:.1f}",  # the default, written otherwise
        "PLINSIGHTS_STACK": "x",
    }
    assert resolved(shell) == DEPLOYED


def test_override_lets_the_shell_and_the_flags_win() -> None:
    settings = resolved({"PLINSIGHTS_RULE_KINDS": "bytes"}, override=True, dashboard_prefix="Other")
    assert (settings.rule_kinds, settings.dashboard_prefix, settings.prefix) == (("bytes",), "Other", "team1")


@pytest.mark.parametrize(("flag", "value"), [("prefix", "team2"), ("dashboard_prefix", "Other")])
def test_a_flag_that_names_another_deployment_is_refused(flag: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"--{flag.replace('_', '-')} {value} contradicts stack prod"):
        resolved({}, override=False, **{flag: value})


def test_a_flag_that_names_the_stacks_own_deployment_is_fine() -> None:
    assert resolved({}, prefix="team1", dashboard_prefix="Team1") == DEPLOYED


def test_max_deletes_on_the_command_line_wins() -> None:
    assert resolved({}, max_deletes=200).max_deletes == 200


def test_a_function_without_our_settings_is_not_our_stack() -> None:
    with pytest.raises(ConfigError, match="sets no PLINSIGHTS_PREFIX"):
        resolve_settings({}, NO_FLAGS, "prod", {"OTHER": "1"})


@pytest.mark.parametrize("command", [["apply"], ["destroy"]])
def test_override_is_refused_for_commands_that_write(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Refused before any AWS call (unit tests cannot open sockets)."""
    assert main(["--stack", "prod", "--override-stack", *command]) == EXIT_ERROR
    (line,) = capsys.readouterr().err.splitlines()
    assert f"--override-stack is for commands that write nothing (plan, explain, preview, top): {command[0]}" in line


def test_override_without_a_stack_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PLINSIGHTS_STACK", raising=False)
    assert main(["--override-stack", "plan"]) == EXIT_ERROR
    assert "--override-stack overrides a stack's settings: name the stack" in capsys.readouterr().err
