"""A release a team can adopt: one version everywhere, a licence, publishing metadata the Serverless
Application Repository takes, and a wheel that ships the command and nothing else."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
from scripts.check_sar_metadata import KEY, application_metadata, problems

from tests.cfn import ROOT, TEMPLATE, template

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
VERSION = PROJECT["version"]
SRC = ROOT / "src"
PACKAGE = "privatelink_insights"
BUNDLED = ("core", "cli")  # the source folders the wheel carries inside its one package


def test_the_template_publishes_the_projects_version() -> None:
    assert template()["Metadata"][KEY]["SemanticVersion"] == VERSION


def test_the_installed_command_reports_the_projects_version() -> None:
    """--version reads the installed distribution's metadata, which the dev install made from pyproject."""
    assert version("privatelink-insights") == VERSION


def test_the_changelog_starts_with_the_projects_version() -> None:
    releases = re.findall(r"^## (\S+)", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert releases and releases[0] == VERSION


def test_the_publishing_metadata_meets_the_repositorys_constraints() -> None:
    assert problems(application_metadata(TEMPLATE.read_text())) == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"Author": "Privatelink Team"}, "Author"),
        ({"Labels": [f"label{n}" for n in range(11)]}, "labels"),
        ({"SemanticVersion": "9.9.9"}, "not the project's version"),
        ({"SemanticVersion": "1.0"}, "not a semantic version"),
        ({"LicenseUrl": "LICENCE.txt"}, "LicenseUrl"),
        ({"SpdxLicenseId": "MIT"}, "SpdxLicenseId"),
        ({"Description": "x" * 257}, "Description"),
    ],
)
def test_metadata_the_repository_would_refuse_is_named(change: dict, complaint: str) -> None:
    metadata = application_metadata(TEMPLATE.read_text()) | change
    assert any(complaint in problem for problem in problems(metadata))


def test_the_licence_is_apache_2() -> None:
    assert "Apache License\n                           Version 2.0, January 2004" in (ROOT / "LICENSE").read_text()
    assert PROJECT["license"] == "Apache-2.0"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built in-process by the project's own build backend, as `pip wheel` would."""
    from hatchling.build import build_wheel  # noqa: PLC0415 - a dev dependency, for this test only

    folder = tmp_path_factory.mktemp("wheel")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        name = build_wheel(str(folder))
    return folder / name


def wheel_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def test_the_wheel_has_one_top_level_package_and_its_metadata(wheel: Path) -> None:
    tops = {name.split("/", 1)[0] for name in wheel_names(wheel)}
    assert tops == {PACKAGE, f"{PACKAGE}-{VERSION}.dist-info"}


def test_the_wheel_carries_the_cli_and_the_core_it_runs(wheel: Path) -> None:
    shipped = {name for name in wheel_names(wheel) if name.startswith(f"{PACKAGE}/")}
    wanted = {f"{PACKAGE}/{path.relative_to(SRC / PACKAGE).as_posix()}" for path in (SRC / PACKAGE).glob("*.py")}
    for folder in BUNDLED:
        wanted |= {f"{PACKAGE}/{path.relative_to(SRC).as_posix()}" for path in (SRC / folder).rglob("*.py")}
    assert shipped == wanted  # no demo, no handlers, no tests, no bytecode: the sources and nothing else


def test_the_wheel_declares_the_command_its_licence_and_only_the_clis_dependencies(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        info = f"{PACKAGE}-{VERSION}.dist-info"
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
        metadata = archive.read(f"{info}/METADATA").decode()
        assert f"{info}/licenses/LICENSE" in archive.namelist()
    assert "plinsights = privatelink_insights:main" in entry_points
    assert re.search(rf"^Version: {re.escape(VERSION)}$", metadata, re.MULTILINE)
    requirements = [line.removeprefix("Requires-Dist: ") for line in metadata.splitlines() if "Requires-Dist:" in line]
    required = {re.split(r"[<>=!~ ;\[]", line)[0] for line in requirements if "extra ==" not in line}
    assert required == {"boto3", "rich"}  # the Lambda handlers' Powertools and the tests' tools stay out


def test_the_installed_command_runs_its_own_copy_of_the_code(wheel: Path, tmp_path: Path) -> None:
    """Unpacked as pip installs it, the command finds `core` and `cli` inside its package, ahead of
    any other `core` on the path (here the source tree's, which the dev install puts there), and
    importing the package alone routes nothing."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import privatelink_insights as p; "
        "import importlib.util as u; before = u.find_spec('core').origin; p.route_bundled_code(); "
        "import core.settings, cli.main; print(before); print(core.settings.__file__); print(cli.main.__file__)"
    )
    run = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, check=True)
    before, core_file, cli_file = run.stdout.split()
    assert Path(before).is_relative_to(SRC)  # before routing: the path's own `core`
    assert Path(core_file).is_relative_to(tmp_path / PACKAGE / "core")
    assert Path(cli_file).is_relative_to(tmp_path / PACKAGE / "cli")
