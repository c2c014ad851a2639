"""Checks template.yaml's AWS::ServerlessRepo::Application metadata offline, as `sam publish` would.

`make template` runs it with the SAM CLI's Python (`.tools/bin/python`): first the SAM CLI's own
check before it creates an application (its vendored serverlessrepo: Author, Description and Name
given, not both a body and a URL), then the constraints the AWS SAM Developer Guide documents for
each property ("AWS SAM template Metadata section properties"), which only the service would
otherwise enforce, at publish time:

    python scripts/check_sar_metadata.py template.yaml

The constraints alone (`problems`) need only PyYAML, so the test suite runs them too.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

KEY = "AWS::ServerlessRepo::Application"
ROOT = Path(__file__).resolve().parents[1]
# The AWS SAM Developer Guide's table of Metadata section properties: (pattern, shortest, longest).
NAME = (re.compile(r"[a-zA-Z0-9\-]+"), 1, 140)
DESCRIPTION = (None, 1, 256)
AUTHOR = (re.compile(r"[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?"), 1, 127)
LABEL = (re.compile(r"[a-zA-Z0-9+\-_:/@]+"), 1, 127)
MAX_LABELS = 10
MAX_FILE_BYTES = 5 * 1024 * 1024  # LicenseUrl and ReadmeUrl: at most 5 MB each
# semver.org's own pattern for a version (MAJOR.MINOR.PATCH, optional pre-release and build).
SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
# The licence named by SpdxLicenseId must be the one in the file LicenseUrl names.
LICENCE_TITLES = {"Apache-2.0": "Apache License\n                           Version 2.0, January 2004"}


class TemplateLoader(yaml.SafeLoader):
    """Reads the short-form intrinsics (!Ref, !Sub, ...) as plain values: only Metadata is checked."""


TemplateLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def application_metadata(template_text: str) -> dict[str, Any]:
    doc = yaml.load(template_text, Loader=TemplateLoader)  # a SafeLoader subclass
    metadata: dict[str, Any] = doc.get("Metadata", {}).get(KEY, {})
    return metadata


def project_version(root: Path = ROOT) -> str:
    version: str = tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]
    return version


def within(name: str, value: Any, rule: tuple[re.Pattern[str] | None, int, int]) -> list[str]:
    pattern, shortest, longest = rule
    if not isinstance(value, str):
        return [f"{name} must be a string, not {value!r}"]
    found = []
    if not shortest <= len(value) <= longest:
        found.append(f"{name} is {len(value)} characters; {shortest} to {longest} allowed")
    if pattern is not None and not pattern.fullmatch(value):
        found.append(f"{name} {value!r} does not match {pattern.pattern}")
    return found


def local_file(name: str, value: Any, root: Path) -> list[str]:
    """Before `sam package`, a URL property names a file beside the template, uploaded to S3 by it."""
    if not isinstance(value, str) or not (root / value).is_file():
        return [f"{name} {value!r} names no file beside the template"]
    if (root / value).stat().st_size > MAX_FILE_BYTES:
        return [f"{name} {value} is over 5 MB"]
    return []


def problems(metadata: Mapping[str, Any], root: Path = ROOT) -> list[str]:
    """What the Serverless Application Repository would refuse of this metadata, or [] when nothing."""
    if not metadata:
        return [f"template.yaml has no {KEY} metadata"]
    found = within("Name", metadata.get("Name"), NAME)
    found += within("Description", metadata.get("Description"), DESCRIPTION)
    found += within("Author", metadata.get("Author"), AUTHOR)
    labels = metadata.get("Labels", [])
    if len(labels) > MAX_LABELS:
        found.append(f"{len(labels)} labels; at most {MAX_LABELS}")
    for label in labels:
        found += within("label", label, LABEL)
    # Both are required to make the application public (the Developer Guide, on each property).
    version = metadata.get("SemanticVersion")
    if not isinstance(version, str) or not SEMVER.fullmatch(version):
        found.append(f"SemanticVersion {version!r} is not a semantic version")
    elif version != project_version(root):
        found.append(f"SemanticVersion {version} is not the project's version {project_version(root)}")
    found += local_file("LicenseUrl", metadata.get("LicenseUrl"), root)
    found += local_file("ReadmeUrl", metadata.get("ReadmeUrl"), root)
    licence = metadata.get("SpdxLicenseId")
    if licence not in LICENCE_TITLES:
        found.append(f"SpdxLicenseId {licence!r} is not a licence this check knows ({', '.join(LICENCE_TITLES)})")
    elif not found and LICENCE_TITLES[licence] not in (root / metadata["LicenseUrl"]).read_text():
        found.append(f"{metadata['LicenseUrl']} is not the {licence} licence that SpdxLicenseId names")
    return found


def sam_cli_check(template_text: str) -> list[str]:
    """The SAM CLI's own check before it creates an application (samcli's vendored serverlessrepo)."""
    from samcli.vendor.serverlessrepo.exceptions import ServerlessRepoError  # noqa: PLC0415 - .tools only
    from samcli.vendor.serverlessrepo.parser import get_app_metadata, parse_template  # noqa: PLC0415

    try:
        get_app_metadata(parse_template(template_text)).validate(["author", "description", "name"])
    except ServerlessRepoError as err:
        return [str(err)]
    return []


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else ROOT / "template.yaml"
    text = path.read_text()
    found = sam_cli_check(text) + problems(application_metadata(text), path.resolve().parent)
    for problem in found:
        print(f"{path.name}: {KEY}: {problem}", file=sys.stderr)
    if not found:
        print(f"{path.name}: {KEY} metadata is ready to publish (version {project_version()})")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
