"""The wheel as a user gets it: built, installed with pipx into a throwaway home, and run.

`make package` runs it with the dev environment's Python (pipx and moto come from there):

    .venv/bin/python scripts/check_package.py

It builds the wheel (`pip wheel`, the project's own build backend), installs it with
`pipx install` (PIPX_HOME and PIPX_BIN_DIR in a temporary folder; the index is pip's, as
configured), and checks that the command prints the project's version; that the command's own
environment cannot import `core`, `cli`, `demo`, `handlers` or `tests` (nothing generic is put on a
user's path); and that `plinsights plan` and `explain` work against the demo's world on a local
moto server, with and without `--stack`. It prints what it checked, and exits 1 on the first failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]  # the demo's world and local server, from the source tree

from core.settings import Settings  # noqa: E402 - after the source tree is on the path
from demo.local import local_aws  # noqa: E402
from demo.stack import STACK, deploy_stand_in  # noqa: E402
from demo.world import World, build_demo_world  # noqa: E402

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
GENERIC = ("core", "cli", "demo", "handlers", "tests")  # names the wheel must not put on a path


class PackageCheckError(Exception):
    """One check failed; the message says which and what was seen."""


def run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """In the temporary folder: a checkout in the working directory would be on `python -c`'s path."""
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False, cwd=tempfile.gettempdir())


def build_wheel(folder: Path) -> Path:
    built = run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder), str(ROOT)])
    if built.returncode:
        raise PackageCheckError(f"pip wheel failed: {built.stderr.strip()}")
    (wheel,) = folder.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        tops = sorted({name.split("/", 1)[0] for name in archive.namelist()})
    print(f"built {wheel.name}: {', '.join(tops)}")
    if tops != ["privatelink_insights", f"privatelink_insights-{VERSION}.dist-info"]:
        raise PackageCheckError(f"the wheel's top-level entries are {tops}")
    return wheel


def pipx_install(wheel: Path, home: Path) -> tuple[Path, Path]:
    """The command and its environment's Python, installed as `pipx install` does for a user."""
    env = {**os.environ, "PIPX_HOME": str(home / "pipx"), "PIPX_BIN_DIR": str(home / "bin")}
    env["PIPX_MAN_DIR"] = str(home / "man")
    installed = run([sys.executable, "-m", "pipx", "install", str(wheel)], env)
    if installed.returncode:
        raise PackageCheckError(f"pipx install failed: {installed.stderr.strip() or installed.stdout.strip()}")
    print(f"pipx install {wheel.name}: {installed.stdout.strip().splitlines()[0]}")
    return home / "bin" / "plinsights", home / "pipx" / "venvs" / "privatelink-insights" / "bin" / "python"


def check_version(command: Path) -> None:
    shown = run([str(command), "--version"]).stdout.strip()
    print(f"plinsights --version: {shown}")
    if shown != f"plinsights {VERSION}":
        raise PackageCheckError(f"--version printed {shown!r}, not plinsights {VERSION}")


def check_no_generic_names(python: Path) -> None:
    for name in GENERIC:
        found = run([str(python), "-c", f"import importlib.util as u; print(u.find_spec({name!r}) is not None)"])
        if found.stdout.strip() != "False":
            raise PackageCheckError(f"the command's environment can import {name!r}: {found.stdout}{found.stderr}")
    print(f"the command's environment imports none of: {', '.join(GENERIC)}")


def check_against_the_demo_world(command: Path) -> None:
    with local_aws():  # AWS_ENDPOINT_URL, a Region and test credentials, in this process's environment
        demo = build_demo_world(World(boto3.Session()))
        plan = run([str(command), "plan", "--output", "json"], dict(os.environ))
        if plan.returncode:
            raise PackageCheckError(f"plinsights plan exited {plan.returncode}: {plan.stderr.strip()}")
        monitored = [entry["id"] for entry in json.loads(plan.stdout)["coverage"] if entry["monitored"]]
        print(f"plinsights plan on the demo's world: {len(monitored)} resources monitorable")
        if demo.consumer_endpoint not in monitored:
            raise PackageCheckError(f"the plan does not monitor {demo.consumer_endpoint}: {monitored}")
        deploy_stand_in(boto3.Session(), Settings(prefix="packaged"))
        stacked = run([str(command), "--stack", STACK, "plan", "--output", "json"], dict(os.environ))
        rules = [c["name"] for c in json.loads(stacked.stdout or "{}").get("plan", []) if c["artifact"] == "rule"]
        if stacked.returncode or not rules or not all(name.startswith("packaged-") for name in rules):
            raise PackageCheckError(f"plinsights --stack {STACK} plan exited {stacked.returncode}: {stacked.stderr}")
        print(f"plinsights --stack {STACK} plan: {len(rules)} rules of the stack's prefix")
        explained = run([str(command), "explain", demo.consumer_endpoint, "--output", "json"], dict(os.environ))
        if explained.returncode or json.loads(explained.stdout)["id"] != demo.consumer_endpoint:
            raise PackageCheckError(f"plinsights explain exited {explained.returncode}: {explained.stderr.strip()}")
        print(f"plinsights explain {demo.consumer_endpoint}: monitored={json.loads(explained.stdout)['monitored']}")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="plinsights-package-") as scratch:
        home = Path(scratch)
        try:
            command, python = pipx_install(build_wheel(home / "dist"), home)
            check_version(command)
            check_no_generic_names(python)
            check_against_the_demo_world(command)
        except PackageCheckError as err:
            print(f"check_package: {err}", file=sys.stderr)
            return 1
    print("the package installs and runs as a user gets it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
