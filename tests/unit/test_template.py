"""template.yaml and samconfig.toml follow the code, and deploy unchanged to any account and Region."""

import re
from dataclasses import fields
from importlib.metadata import version

import pytest

from core.settings import DASHBOARD_PREFIX_PATTERN, PREFIX_PATTERN, RULE_ALARM_MODES, Settings
from core.triggers import event_names_by_source
from tests.cfn import TEMPLATE, function_environment, samconfig, template

RESOURCES = template()["Resources"]
PARAMETERS = template()["Parameters"]
# What core/settings.py reads, and the template parameter that feeds it.
SETTINGS_FROM_PARAMETERS = {
    "PLINSIGHTS_PREFIX": "Prefix",
    "PLINSIGHTS_RULE_STATE": "RuleState",
    "PLINSIGHTS_RULE_ALARMS": "RuleAlarms",
    "PLINSIGHTS_BYTES_TOP_THRESHOLD": "BytesTopThreshold",
    "PLINSIGHTS_BYTES_THRESHOLD": "BytesThreshold",
    "PLINSIGHTS_BYTES_PERIOD": "BytesPeriod",
    "PLINSIGHTS_REJECTS_TOP_THRESHOLD": "RejectsTopThreshold",
    "PLINSIGHTS_REJECTS_THRESHOLD": "RejectsThreshold",
    "PLINSIGHTS_REJECTS_PERIOD": "RejectsPeriod",
    "PLINSIGHTS_DROPS_THRESHOLD": "DropsThreshold",
    "PLINSIGHTS_DROPS_PERIOD": "DropsPeriod",
    "PLINSIGHTS_RESETS_THRESHOLD": "ResetsThreshold",
    "PLINSIGHTS_RESETS_PERIOD": "ResetsPeriod",
    "PLINSIGHTS_SELECTION": "Selection",
    "PLINSIGHTS_EXCLUDE_TAG": "ExcludeTag",
    "PLINSIGHTS_INCLUDE_TAG": "IncludeTag",
    "PLINSIGHTS_DASHBOARD_PREFIX": "DashboardPrefix",
    "PLINSIGHTS_MAX_DELETES": "MaxDeletes",
    "PLINSIGHTS_RULE_QUOTA": "RuleQuota",
    "PLINSIGHTS_PACING": "Pacing",
    "PLINSIGHTS_RULE_WRITE_RATE": "RuleWriteRate",
    "PLINSIGHTS_ALARM_WRITE_RATE": "AlarmWriteRate",
    "PLINSIGHTS_DASHBOARD_WRITE_RATE": "DashboardWriteRate",
}


def test_eventbridge_patterns_match_the_triggers_table() -> None:
    events = RESOURCES["ReconcileFunction"]["Properties"]["Events"]
    patterns = [e["Properties"]["Pattern"] for e in events.values() if e["Type"] == "EventBridgeRule"]
    found = {p["source"][0]: sorted(p["detail"]["eventName"]) for p in patterns}
    assert found == event_names_by_source()
    assert all(p["detail-type"] == ["AWS API Call via CloudTrail"] for p in patterns)


def test_the_function_runs_python_3_13_on_arm_with_one_concurrent_execution() -> None:
    doc = template()
    function = RESOURCES["ReconcileFunction"]["Properties"]
    assert doc["Globals"]["Function"]["Runtime"] == "python3.13"
    assert doc["Globals"]["Function"]["Architectures"] == ["arm64"]
    assert function["ReservedConcurrentExecutions"] == 1
    assert function["Handler"] == "handlers.reconcile.handler"
    assert RESOURCES["CleanupFunction"]["Properties"]["Handler"] == "handlers.cleanup.handler"


@pytest.mark.parametrize("function", ["ReconcileFunction", "CleanupFunction"])
def test_every_setting_is_wired_from_its_parameter(function: str) -> None:
    environment = function_environment(template(), function)
    for variable, parameter in SETTINGS_FROM_PARAMETERS.items():
        assert environment[variable] == {"Ref": parameter}, variable
    assert environment["PLINSIGHTS_ALARM_TOPIC_ARN"] == {"Ref": "AlarmTopic"}
    assert environment["POWERTOOLS_SERVICE_NAME"] == "privatelink-insights"
    assert environment["POWERTOOLS_METRICS_NAMESPACE"] == "PrivateLinkInsights"


def test_the_environment_sets_only_settings_the_code_knows_or_will_read() -> None:
    """Every PLINSIGHTS_ variable is either a Settings field today or one the template documents."""
    known = {f"PLINSIGHTS_{field.name.upper()}" for field in fields(Settings)}
    environment = function_environment(template(), "ReconcileFunction")
    planned = set(SETTINGS_FROM_PARAMETERS) | {"PLINSIGHTS_ALARM_TOPIC_ARN"}
    assert {name for name in environment if name.startswith("PLINSIGHTS_")} == planned
    assert known <= planned


@pytest.mark.parametrize(("variable", "parameter"), sorted(SETTINGS_FROM_PARAMETERS.items()))
def test_parameter_defaults_are_the_settings_defaults(variable: str, parameter: str) -> None:
    """A deployed stack behaves like the CLI with no settings: the two defaults cannot drift."""
    field = variable.removeprefix("PLINSIGHTS_").lower()
    assert PARAMETERS[parameter]["Default"] == getattr(Settings(), field)


def test_every_setting_is_fed_by_the_template() -> None:
    fed = {variable.removeprefix("PLINSIGHTS_").lower() for variable in SETTINGS_FROM_PARAMETERS}
    assert {f.name for f in fields(Settings)} - fed == {"alarm_topic_arn"}  # the stack's own topic
    assert PARAMETERS["AlarmEmail"]["Default"] == ""


def test_parameter_patterns_accept_the_defaults_and_what_settings_accept() -> None:
    for name in ("Prefix", "DashboardPrefix"):
        assert re.fullmatch(PARAMETERS[name]["AllowedPattern"], PARAMETERS[name]["Default"])
    assert PARAMETERS["Prefix"]["AllowedPattern"] == PREFIX_PATTERN.pattern
    assert PARAMETERS["DashboardPrefix"]["AllowedPattern"] == DASHBOARD_PREFIX_PATTERN.pattern
    assert PARAMETERS["Selection"]["AllowedValues"] == ["all", "tagged"]
    assert sorted(PARAMETERS["RuleAlarms"]["AllowedValues"]) == sorted(RULE_ALARM_MODES)
    email = PARAMETERS["AlarmEmail"]["AllowedPattern"]
    assert re.fullmatch(email, "") and re.fullmatch(email, "ops@example.com")
    assert not re.fullmatch(email, "not an address")


def test_asynchronous_failures_are_retried_a_bounded_number_of_times_then_kept_encrypted() -> None:
    config = RESOURCES["ReconcileFunction"]["Properties"]["EventInvokeConfig"]
    assert 0 <= config["MaximumRetryAttempts"] <= 2
    assert 60 <= config["MaximumEventAgeInSeconds"] <= 21600
    destination = config["DestinationConfig"]["OnFailure"]
    assert destination == {"Type": "SQS", "Destination": {"GetAtt": "FailedInvocationsQueue.Arn"}}
    assert RESOURCES["FailedInvocationsQueue"]["Properties"]["SqsManagedSseEnabled"] is True


def test_the_alarm_topic_uses_a_key_cloudwatch_may_use() -> None:
    """Alarms cannot publish to a topic under the AWS managed SNS key: a customer managed key it is."""
    assert RESOURCES["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "AlarmKey"}
    key = RESOURCES["AlarmKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    grants = [s for s in key["KeyPolicy"]["Statement"] if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert len(grants) == 1 and set(grants[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_the_email_subscription_exists_only_when_an_address_is_given() -> None:
    doc = template()
    assert doc["Conditions"]["HasAlarmEmail"] == {"Not": [{"Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    subscription = RESOURCES["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Protocol"] == "email"


@pytest.mark.parametrize(
    ("alarm", "namespace", "metric"),
    [
        ("ReconcileErrorsAlarm", "AWS/Lambda", "Errors"),
        ("FailedInvocationsAlarm", "AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    ],
)
def test_the_project_watches_its_own_health(alarm: str, namespace: str, metric: str) -> None:
    properties = RESOURCES[alarm]["Properties"]
    assert (properties["Namespace"], properties["MetricName"]) == (namespace, metric)
    assert properties["AlarmActions"] == [{"Ref": "AlarmTopic"}]


@pytest.mark.parametrize(
    ("function", "log_group"),
    [("ReconcileFunction", "ReconcileLogGroup"), ("CleanupFunction", "CleanupLogGroup")],
)
def test_each_function_logs_to_its_own_group_with_a_retention(function: str, log_group: str) -> None:
    assert RESOURCES[function]["Properties"]["LoggingConfig"] == {"LogGroup": {"Ref": log_group}}
    assert RESOURCES[log_group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_stack_deletion_stops_the_reconcile_before_the_cleanup_runs() -> None:
    """CloudFormation deletes in reverse dependency order: function, rules and schedule go first."""
    assert RESOURCES["ReconcileFunction"]["DependsOn"] == "CleanupOnDelete"
    cleanup = RESOURCES["CleanupOnDelete"]
    assert cleanup["Type"].startswith("Custom::")
    assert cleanup["Properties"]["ServiceToken"] == {"GetAtt": "CleanupFunction.Arn"}


def test_outputs_name_the_dashboards_topic_and_function() -> None:
    outputs = template()["Outputs"]
    assert {"DashboardUrl", "DashboardsUrl", "AlarmTopicArn", "FunctionName"} <= set(outputs)
    url = outputs["DashboardUrl"]["Value"]["Sub"][0]
    assert url.endswith("#dashboards/dashboard/${DashboardPrefix}-${AWS::Region}")


def test_nothing_account_region_or_partition_specific_is_written_in() -> None:
    """StackSets deploy this one template everywhere: only pseudo-parameters may say where it runs."""
    text = TEMPLATE.read_text()
    assert not re.findall(r"(?<![0-9])[0-9]{12}(?![0-9])", text), "an account id"
    region = r"\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central)+-[0-9]\b"
    assert not re.findall(region, text), "a Region"
    assert not re.findall(r"arn:aws(?:-[a-z-]+)?:", text), "a partition in an ARN"
    assert "layers" not in text.lower(), "a Lambda layer ARN differs per Region and partition"


def test_samconfig_deploys_with_the_template_defaults() -> None:
    config = samconfig()
    deploy = config["default"]["deploy"]["parameters"]
    assert config["default"]["global"]["parameters"]["stack_name"] == "privatelink-insights"
    assert "CAPABILITY_IAM" in deploy["capabilities"] and deploy["resolve_s3"] is True
    overrides = dict(re.findall(r'(\w+)="([^"]*)"', deploy["parameter_overrides"]))
    for name, value in overrides.items():
        assert str(PARAMETERS[name]["Default"]) == value, name
    assert config["default"]["validate"]["parameters"]["lint"] is True


@pytest.mark.parametrize("function", ["ReconcileFunction", "CleanupFunction"])
def test_each_function_is_built_by_the_makefile_that_compiles_its_bytecode(function: str) -> None:
    assert RESOURCES[function]["Metadata"]["BuildMethod"] == "makefile"
    makefile = (TEMPLATE.parent / "src" / "Makefile").read_text()
    targets = {
        target
        for line in makefile.splitlines()
        if ":" in line and not line.startswith(("\t", "#", ".")) and "=" not in line.split(":")[0]
        for target in line.split(":")[0].split()
    }
    assert f"build-{function}" in targets
    assert "compileall" in makefile


def test_the_package_bundles_the_powertools_the_tests_run() -> None:
    """src/requirements.txt pins Powertools at the version installed here, so what is tested is deployed."""
    pins = dict(
        line.split("#")[0].strip().split("==")
        for line in (TEMPLATE.parent / "src" / "requirements.txt").read_text().splitlines()
        if line.split("#")[0].strip()
    )
    assert pins == {"aws-lambda-powertools": version("aws-lambda-powertools")}


RECONCILE_TIMEOUT = RESOURCES["ReconcileFunction"]["Properties"]["Timeout"]  # seconds
SCHEDULE = PARAMETERS["ReconcileSchedule"]["AllowedPattern"]


def rate(value: int, unit: str) -> str:
    """EventBridge's rate(): the unit is singular for 1, plural otherwise."""
    return f"rate({value} {unit if value == 1 else unit + 's'})"


@pytest.mark.parametrize(("unit", "seconds"), [("minute", 60), ("hour", 3600), ("day", 86400)])
def test_the_schedule_refuses_rates_shorter_than_the_functions_timeout(unit: str, seconds: int) -> None:
    """A run may take the whole timeout; a shorter interval would queue runs behind one another."""
    for value in range(1, 3 * RECONCILE_TIMEOUT // 60 + 1):
        accepted = re.fullmatch(SCHEDULE, rate(value, unit)) is not None
        assert accepted is (value * seconds >= RECONCILE_TIMEOUT), rate(value, unit)


@pytest.mark.parametrize(
    ("expression", "accepted"),
    [
        (PARAMETERS["ReconcileSchedule"]["Default"], True),
        ("cron(0 * * * ? *)", True),  # hourly, at a fixed minute
        ("cron(15 2 * * ? *)", True),
        ("cron(* * * * ? *)", False),  # every minute
        ("cron(0/5 * * * ? *)", False),
        ("cron(0,30 * * * ? *)", False),
        ("rate(600 seconds)", False),
        ("rate(10 minute)", False),
        ("rate(1 hours)", False),
        ("rate(0 hours)", False),
        ("rate(010 minutes)", False),
    ],
)
def test_the_schedule_accepts_only_expressions_that_cannot_fire_within_a_run(expression: str, accepted: bool) -> None:
    assert (re.fullmatch(SCHEDULE, expression) is not None) is accepted
