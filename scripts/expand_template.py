"""Expands the SAM template into plain CloudFormation, offline, for service-managed StackSets.

StackSets with service-managed permissions do not take templates that use macros, and the
AWS::Serverless transform is one; the expanded template has no Transform section. Run it with the
SAM CLI's Python (`.tools/bin/python`), which carries the SAM translator:

    .tools/bin/python scripts/expand_template.py packaged.yaml --region eu-west-1 > stackset.json

The input must be packaged (`sam package`: CodeUri in S3). --placeholder-code lets CI expand the
unpackaged built template, to lint what a StackSet would receive.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


class NoManagedPolicies:
    """The template names no AWS managed policy: nothing needs looking up in IAM."""

    def load(self) -> dict[str, str]:
        return {}


def expand(template_text: str, region: str, placeholder_code: str = "") -> dict[str, Any]:
    # The translator takes the partition from the Region of its boto3 session.
    os.environ["AWS_DEFAULT_REGION"] = region
    from samtranslator.translator.transform import transform  # noqa: PLC0415 - after the Region is set
    from samtranslator.yaml_helper import yaml_parse  # noqa: PLC0415

    template: dict[str, Any] = yaml_parse(template_text)
    if placeholder_code:
        template.setdefault("Globals", {}).setdefault("Function", {})["CodeUri"] = placeholder_code
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Serverless::Function":
                resource["Properties"].pop("CodeUri", None)
    expanded: dict[str, Any] = transform(template, {}, NoManagedPolicies())
    return expanded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("template", type=Path, help="a packaged SAM template")
    parser.add_argument("--region", required=True, help="a Region of the target partition")
    parser.add_argument("--placeholder-code", default="", help="an s3:// URI to use as every function's code")
    args = parser.parse_args(argv)
    expanded = expand(args.template.read_text(), args.region, args.placeholder_code)
    json.dump(expanded, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
