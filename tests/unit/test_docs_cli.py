"""docs/operations.md says what the CLI does: its flags and the commands that take them, its exit
statuses, and every setting with its default, read from the parser, cli/errors.py and Settings."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from cli import errors
from cli.main import parser
from cli.stack import SETTING_VARIABLES
from core.settings import Settings
from demo.stack import setting_text

OPERATIONS = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
ALONE = "(alone)"  # a flag of the command line itself, before any command


def table(header: str) -> list[list[str]]:
    """The rows of the markdown table whose header row starts with `header`, as cells."""
    lines = OPERATIONS.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def cli_flags() -> dict[str, set[str]]:
    """Each long flag, and the commands that take it ((alone) for the command line's own)."""
    main = parser()
    flags: dict[str, set[str]] = {}
    (commands,) = [a for a in main._actions if isinstance(a, argparse._SubParsersAction)]
    global_flags = {o for a in main._actions for o in a.option_strings if o.startswith("--")} - {"--help"}
    for name, command in commands.choices.items():
        for action in command._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    flags.setdefault(option, set()).add(name)
    for option in global_flags - set(flags):
        flags[option] = {ALONE}
    return flags


def documented_flags() -> dict[str, set[str]]:
    every = {command for commands in cli_flags().values() for command in commands} - {ALONE}
    documented = {}
    for flag, commands, _ in table("| flag | commands |"):
        if commands.startswith("all"):
            takes = every
        elif commands.startswith("none"):
            takes = {ALONE}
        else:
            takes = {command.strip() for command in commands.split(",")}
        documented[flag.strip("`")] = takes
    return documented


def test_every_flag_is_documented_with_the_commands_that_take_it() -> None:
    assert documented_flags() == cli_flags()


def test_the_exit_statuses_are_the_clis() -> None:
    statuses = {int(row[0]) for row in table("| exit status |")}
    assert statuses == {value for name, value in vars(errors).items() if name.startswith("EXIT_")}


def documented_settings() -> dict[str, str]:
    """Each variable of the settings table and its default, as the row lists them (in order)."""
    settings: dict[str, str] = {}
    for variables, defaults, _ in table("| environment variable |"):
        names = re.findall(r"`(PLINSIGHTS_[A-Z_]+)`", variables)
        values = (
            [value.strip().strip("`") for value in re.split(r"`,\s*`", defaults)] if "`" in defaults else [defaults]
        )
        assert len(names) == len(values), f"{variables}: {len(names)} variables, {len(values)} defaults"
        settings.update(zip(names, values, strict=True))
    return settings


def test_every_setting_is_documented_with_its_default() -> None:
    documented = documented_settings()
    assert set(documented) == set(SETTING_VARIABLES)
    defaults = Settings()
    for variable, field in SETTING_VARIABLES.items():
        assert documented[variable] == (setting_text(getattr(defaults, field)) or "none"), variable


@pytest.mark.parametrize(
    "section", ["Settings from the stack", "Confirming deletions", "IAM policies for the people who run it"]
)
def test_the_clis_behaviours_have_their_sections(section: str) -> None:
    assert f"### {section}\n" in OPERATIONS
