"""`plinsights plan|apply|destroy`: the reconcile, and the removal of a deployment, from a shell with the
standard AWS environment."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import boto3

from core.clients import Clients
from core.destroy import removal_summary, render_removal, run_destroy
from core.errors import PlinsightsError
from core.reconcile import run_reconcile
from core.report import render_text, summary
from core.settings import Settings

EXIT_OK, EXIT_FAILED_CHANGES, EXIT_ERROR = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="plinsights", description=__doc__)
    main.add_argument("--region", help="AWS Region (default: the standard AWS environment)")
    main.add_argument("--profile", help="AWS profile (default: the standard AWS environment)")
    main.add_argument("--prefix", help="name prefix and owner of the artifacts (default: plinsights)")
    commands = main.add_subparsers(dest="command", required=True)
    for name, text in (
        ("plan", "show what would change; writes nothing"),
        ("apply", "reconcile, then show what was done"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("--output", choices=("text", "json"), default="text")
        command.add_argument("--max-deletes", type=int, help="deletion limit: most deletions in one run (default 60)")
    text = "delete every rule, alarm and dashboard this deployment owns (its prefix and owner tag)"
    destroy = commands.add_parser("destroy", help=text, description=text)
    destroy.add_argument("--dry-run", action="store_true", help="list what would be deleted; delete nothing")
    destroy.add_argument("--output", choices=("text", "json"), default="text")
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "destroy":
        return destroy(args)
    dry_run = args.command == "plan"
    try:
        settings = Settings.from_env(prefix=args.prefix, max_deletes=args.max_deletes)
        clients = Clients(session=boto3.Session(profile_name=args.profile, region_name=args.region))
        outcome = run_reconcile(clients, settings, dry_run=dry_run)
    except PlinsightsError as err:
        print(f"plinsights: {err}", file=sys.stderr)
        return EXIT_ERROR
    if args.output == "json":
        print(json.dumps(summary(outcome, dry_run), indent=2))
    else:
        print(render_text(outcome, dry_run))
    return EXIT_FAILED_CHANGES if outcome.failed else EXIT_OK


def destroy(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_env(prefix=args.prefix)
        clients = Clients(session=boto3.Session(profile_name=args.profile, region_name=args.region))
        removal = run_destroy(clients, settings, dry_run=args.dry_run)
    except PlinsightsError as err:
        print(f"plinsights: {err}", file=sys.stderr)
        return EXIT_ERROR
    if args.output == "json":
        print(json.dumps(removal_summary(removal, args.dry_run), indent=2))
    else:
        print(render_removal(removal, args.dry_run))
    return EXIT_FAILED_CHANGES if removal.failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
