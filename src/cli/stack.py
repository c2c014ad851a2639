"""`--stack NAME` (or PLINSIGHTS_STACK): the settings of a deployed stack, read from the environment
of its reconcile function, so that the CLI decides exactly what the function decides.

Without a stack, a setting comes from its flag, else the shell's PLINSIGHTS_* variable, else its
default (core/settings.py). With one, every setting is the function's. A shell variable that says
otherwise is refused, naming it, rather than letting a plan or an apply from one shell undo what
the function does; `--prefix` and `--dashboard-prefix` that name another deployment are refused
the same way. Two things may win over the stack, both explicit on the command line:
`--max-deletes`, the deletion limit of this one run (an operator lets a large, expected deletion
through), and `--override-stack`, which lets the shell's variables and flags win for a command
that writes nothing (plan, explain, preview, top): a what-if, never an apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from core.errors import ConfigError
from core.settings import Settings

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config

STACK_VARIABLE = "PLINSIGHTS_STACK"
FUNCTION = "ReconcileFunction"  # template.yaml's logical id of the function whose settings count
SETTING_VARIABLES = {f"PLINSIGHTS_{field.name.upper()}": field.name for field in fields(Settings)}
IDENTITY_FLAGS = {"prefix": "--prefix", "dashboard_prefix": "--dashboard-prefix"}  # name a deployment
OVERRIDE_FLAG = "--override-stack"


def stack_name(flag: str | None, environ: Mapping[str, str]) -> str | None:
    """--stack, else PLINSIGHTS_STACK; None for neither."""
    return flag or environ.get(STACK_VARIABLE) or None


def shell_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """The shell's PLINSIGHTS_* variables that set a setting (an empty one sets nothing)."""
    return {name: value for name, value in environ.items() if name in SETTING_VARIABLES and value != ""}


def function_environment(session: boto3.Session, stack: str, config: Config) -> dict[str, str]:
    """The environment of the stack's reconcile function: DescribeStackResource finds the function
    (its name is made by CloudFormation), GetFunctionConfiguration reads its variables."""
    cloudformation = session.client("cloudformation", config=config)
    try:
        resource = cloudformation.describe_stack_resource(StackName=stack, LogicalResourceId=FUNCTION)
    except ClientError as err:
        # CloudFormation answers ValidationError both for a stack that does not exist and for a
        # resource the stack lacks; its message says which.
        if err.response.get("Error", {}).get("Code") != "ValidationError":
            raise
        raise ConfigError(
            f"stack {stack} in {session.region_name}: {err.response['Error'].get('Message', 'not found')}; "
            f"check --stack (or {STACK_VARIABLE}) and --region: the stack of a privatelink-insights deployment "
            f"has a {FUNCTION}"
        ) from err
    function = resource["StackResourceDetail"].get("PhysicalResourceId", "")
    if not function:
        raise ConfigError(f"stack {stack}'s {FUNCTION} has no function yet (the stack is still being created)")
    try:
        configuration = session.client("lambda", config=config).get_function_configuration(FunctionName=function)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        # A stack being deleted removes the function before its cleanup runs (template.yaml's DependsOn).
        raise ConfigError(
            f"stack {stack}'s {FUNCTION} {function} no longer exists (is the stack being deleted?): "
            "name the deployment with --prefix and --dashboard-prefix instead"
        ) from err
    variables: dict[str, str] = configuration.get("Environment", {}).get("Variables", {})
    return variables


def resolve_settings(
    environ: Mapping[str, str],
    flags: Mapping[str, Any],
    stack: str | None = None,
    function_env: Mapping[str, str] | None = None,
    override: bool = False,
) -> Settings:
    """The run's settings from the shell's environment, the flags (None where not given) and, with
    a stack, its function's environment: see the module's docstring for which wins."""
    given = {name: value for name, value in flags.items() if value is not None}
    if stack is None or function_env is None:
        return Settings.from_env(environ, **given)
    deployed_env = {name: value for name, value in function_env.items() if name in SETTING_VARIABLES}
    if "PLINSIGHTS_PREFIX" not in deployed_env:
        raise ConfigError(f"stack {stack}'s {FUNCTION} sets no PLINSIGHTS_PREFIX: is it a privatelink-insights stack?")
    shell = shell_settings(environ)
    if override:
        return Settings.from_env({**deployed_env, **shell}, **given)
    deployed = Settings.from_env(deployed_env)
    for variable in sorted(shell):
        field = SETTING_VARIABLES[variable]
        if getattr(Settings.from_env({**deployed_env, variable: shell[variable]}), field) != getattr(deployed, field):
            has = deployed_env.get(variable, f"none set, so the default {getattr(Settings(), field)}")
            raise ConfigError(
                f"{variable}={shell[variable]} in this shell contradicts stack {stack}, whose function has "
                f"{has}: unset it (or add {OVERRIDE_FLAG} to plan with it)"
            )
    for field, flag in IDENTITY_FLAGS.items():
        if field in given and given[field] != getattr(deployed, field):
            raise ConfigError(
                f"{flag} {given[field]} contradicts stack {stack}, whose deployment has {getattr(deployed, field)}: "
                f"leave {flag} out, or name the stack of that deployment"
            )
    return Settings.from_env(deployed_env, max_deletes=given.get("max_deletes"))
