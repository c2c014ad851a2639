"""template.yaml and samconfig.toml follow the code, and deploy unchanged to any account and Region."""

import itertools
import json
import re
from dataclasses import fields
from importlib.metadata import version

import pytest

from core.settings import DASHBOARD_PREFIX_PATTERN, PREFIX_PATTERN, RULE_ALARM_MODES, RULE_KINDS, Settings
from core.triggers.delivery import MESSAGE_GROUP, SCHEDULE_NAME
from core.triggers.patterns import PATTERN_CHARS, event_patterns
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
    "PLINSIGHTS_RESETS_RECEIVED_THRESHOLD": "ResetsReceivedThreshold",
    "PLINSIGHTS_RESETS_RECEIVED_PERIOD": "ResetsReceivedPeriod",
    "PLINSIGHTS_RESETS_THRESHOLD": "ResetsThreshold",
    "PLINSIGHTS_RESETS_PERIOD": "ResetsPeriod",
    "PLINSIGHTS_CONNECTIONS_THRESHOLD": "ConnectionsThreshold",
    "PLINSIGHTS_CONNECTIONS_PERIOD": "ConnectionsPeriod",
    "PLINSIGHTS_CONSUMER_RESETS_THRESHOLD": "ConsumerResetsThreshold",
    "PLINSIGHTS_CONSUMER_CONNECTIONS_THRESHOLD": "ConsumerConnectionsThreshold",
    "PLINSIGHTS_QUERY_ALARM_LIMIT": "QueryAlarmLimit",
    "PLINSIGHTS_SELECTION": "Selection",
    "PLINSIGHTS_EXCLUDE_TAG": "ExcludeTag",
    "PLINSIGHTS_INCLUDE_TAG": "IncludeTag",
    "PLINSIGHTS_DASHBOARD_PREFIX": "DashboardPrefix",
    "PLINSIGHTS_MAX_DELETES": "MaxDeletes",
    "PLINSIGHTS_RULE_QUOTA": "RuleQuota",
    "PLINSIGHTS_DEDICATED_RULE_SHARE": "DedicatedRuleShare",
    "PLINSIGHTS_PACING": "Pacing",
    "PLINSIGHTS_RULE_WRITE_RATE": "RuleWriteRate",
    "PLINSIGHTS_ALARM_WRITE_RATE": "AlarmWriteRate",
    "PLINSIGHTS_DASHBOARD_WRITE_RATE": "DashboardWriteRate",
    "PLINSIGHTS_RULE_KINDS": "RuleKinds",
    "PLINSIGHTS_MANAGED_RULES": "ManagedRules",
    "PLINSIGHTS_PRICE_RULE_MONTH": "PriceRuleMonth",
    "PLINSIGHTS_PRICE_MATCHED_EVENTS_MILLION": "PriceMatchedEventsMillion",
    "PLINSIGHTS_PRICE_ALARM_METRIC_MONTH": "PriceAlarmMetricMonth",
    "PLINSIGHTS_PRICE_DASHBOARD_MONTH": "PriceDashboardMonth",
    "PLINSIGHTS_FREE_DASHBOARDS": "FreeDashboards",
}


RULES = {name: r["Properties"] for name, r in RESOURCES.items() if r["Type"] == "AWS::Events::Rule"}
QUEUE_ARN = {"GetAtt": "ReconcileQueue.Arn"}


SELECTION_TAG_REFS = ({"Ref": "ExcludeTag"}, {"Ref": "IncludeTag"})


def test_eventbridge_patterns_are_the_triggers_tables() -> None:
    """The tag keys an operator chooses (ExcludeTag, IncludeTag) stay the stack's parameters."""
    patterns = [rule["EventPattern"] for rule in RULES.values() if "EventPattern" in rule]
    assert {p["source"][0]: p for p in patterns} == event_patterns(*SELECTION_TAG_REFS)


def test_the_patterns_drop_failed_calls_and_classic_and_application_load_balancers() -> None:
    for pattern in event_patterns().values():
        assert pattern["detail"]["errorCode"] == [{"exists": False}]
    elb = {b["eventName"][0]: b for b in event_patterns()["aws.elasticloadbalancing"]["detail"]["$or"]}
    assert elb["CreateLoadBalancer"]["requestParameters"]["type"] == ["network", "gateway"]
    for name, field in (
        ("DeleteLoadBalancer", "loadBalancerArn"),
        ("AddTags", "resourceArns"),
        ("RemoveTags", "resourceArns"),
    ):
        assert {w["wildcard"] for w in elb[name]["requestParameters"][field]} == {
            "*:loadbalancer/net/*",
            "*:loadbalancer/gwy/*",
        }


def test_each_pattern_fits_eventbridges_size_even_with_the_longest_tag_keys() -> None:
    """EventBridge refuses a pattern over 2,048 characters unless the quota is raised; ExcludeTag and
    IncludeTag may each be 128 characters long (their MaxLength, AWS's longest tag key)."""
    longest = [PARAMETERS[name]["MaxLength"] for name in ("ExcludeTag", "IncludeTag")]
    assert longest == [128, 128]
    for pattern in event_patterns("x" * longest[0], "y" * longest[1]).values():
        assert len(json.dumps(pattern)) <= PATTERN_CHARS


def test_the_function_runs_python_3_13_on_arm_without_reserved_concurrency() -> None:
    """AWS refuses reserved concurrency that leaves an account under 10 unreserved (new accounts
    have 10 in all): one reconcile at a time comes from the queue instead."""
    doc = template()
    function = RESOURCES["ReconcileFunction"]["Properties"]
    assert doc["Globals"]["Function"]["Runtime"] == "python3.13"
    assert doc["Globals"]["Function"]["Architectures"] == ["arm64"]
    assert "ReservedConcurrentExecutions" not in function
    assert "ReservedConcurrentExecutions" not in doc["Globals"]["Function"]
    assert function["Handler"] == "handlers.reconcile.handler"
    assert RESOURCES["CleanupFunction"]["Properties"]["Handler"] == "handlers.cleanup.handler"


def test_every_trigger_feeds_one_fifo_message_group() -> None:
    """The rules (events and the schedule) target only the queue, in the group follow-ups use too;
    nothing invokes the function but the queue's event source mapping."""
    assert RULES and any(rule.get("ScheduleExpression") == {"Ref": "ReconcileSchedule"} for rule in RULES.values())
    for rule in RULES.values():
        assert rule["Targets"] == [
            {"Id": "ReconcileQueue", "Arn": QUEUE_ARN, "SqsParameters": {"MessageGroupId": MESSAGE_GROUP}}
        ]
    queue = RESOURCES["ReconcileQueue"]["Properties"]
    assert queue["FifoQueue"] is True and queue["ContentBasedDeduplication"] is True
    assert queue["SqsManagedSseEnabled"] is True
    assert "Events" not in RESOURCES["ReconcileFunction"]["Properties"]
    assert "EventInvokeConfig" not in RESOURCES["ReconcileFunction"]["Properties"]
    permissions = [r for r in RESOURCES.values() if r["Type"] == "AWS::Lambda::Permission"]
    assert permissions == []  # no service may invoke the function directly


def test_the_function_reads_the_queue_one_batch_of_at_most_ten_at_a_time() -> None:
    mappings = [r["Properties"] for r in RESOURCES.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert mappings == [
        {"EventSourceArn": QUEUE_ARN, "FunctionName": {"Ref": "ReconcileFunction"}, "BatchSize": 10, "Enabled": True}
    ]  # a batching window is not supported for FIFO queues


def test_a_failed_batch_is_retried_then_kept_in_a_watched_fifo_dead_letter_queue() -> None:
    queue = RESOURCES["ReconcileQueue"]["Properties"]
    # AWS requires a visibility timeout of at least the function's timeout for an event source mapping.
    assert queue["VisibilityTimeout"] >= RESOURCES["ReconcileFunction"]["Properties"]["Timeout"]
    redrive = queue["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"GetAtt": "FailedInvocationsQueue.Arn"}
    assert 2 <= redrive["maxReceiveCount"] <= 5
    dead_letters = RESOURCES["FailedInvocationsQueue"]["Properties"]
    assert dead_letters["FifoQueue"] is True and dead_letters["SqsManagedSseEnabled"] is True
    assert dead_letters["MessageRetentionPeriod"] == 14 * 24 * 3600
    alarm = RESOURCES["FailedInvocationsAlarm"]["Properties"]
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"GetAtt": "FailedInvocationsQueue.QueueName"}}]


def test_only_this_stacks_rules_may_send_to_the_queue() -> None:
    statements = RESOURCES["ReconcileQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1 and allows[0]["Principal"] == {"Service": "events.amazonaws.com"}
    assert allows[0]["Action"] == "sqs:SendMessage" and allows[0]["Resource"] == QUEUE_ARN
    sources = allows[0]["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert sorted(sources, key=str) == sorted(({"GetAtt": f"{name}.Arn"} for name in RULES), key=str)


def test_follow_ups_are_sent_by_a_role_that_can_only_send_to_the_queue() -> None:
    role = RESOURCES["FollowUpScheduleRole"]["Properties"]
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "scheduler.amazonaws.com"}]
    assert trust[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    granted = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    assert [(s["Action"], s["Resource"]) for s in granted] == [("sqs:SendMessage", QUEUE_ARN)]
    assert RESOURCES["FollowUpScheduleGroup"]["Type"] == "AWS::Scheduler::ScheduleGroup"
    environment = function_environment(template(), "ReconcileFunction")
    assert environment["FOLLOW_UP_SCHEDULE_GROUP"] == {"Ref": "FollowUpScheduleGroup"}
    assert environment["FOLLOW_UP_ROLE_ARN"] == {"GetAtt": "FollowUpScheduleRole.Arn"}
    schedule_statement = next(
        s
        for item in RESOURCES["ReconcileFunction"]["Properties"]["Policies"]
        for s in item["Statement"]
        if "scheduler:CreateSchedule" in s["Action"]
    )
    assert "scheduler:GetSchedule" in schedule_statement["Action"]  # an event batch looks for the pending one
    assert schedule_statement["Resource"]["Sub"].endswith(f":schedule/${{FollowUpScheduleGroup}}/{SCHEDULE_NAME}")


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
    """A deployed stack behaves like the CLI with no settings: the two defaults cannot drift. The
    default is read as the function reads its environment (a comma list becomes a tuple)."""
    field = variable.removeprefix("PLINSIGHTS_").lower()
    default = PARAMETERS[parameter]["Default"]
    assert getattr(Settings.from_env({variable: str(default)}), field) == getattr(Settings(), field)
    if isinstance(getattr(Settings(), field), bool):  # a switch: the parameter's words, as the function reads them
        assert str(default) == str(getattr(Settings(), field)).lower()
    elif not isinstance(getattr(Settings(), field), tuple):
        assert default == getattr(Settings(), field)


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


def test_the_rule_kinds_parameter_accepts_exactly_the_comma_lists_settings_accept() -> None:
    pattern = PARAMETERS["RuleKinds"]["AllowedPattern"]
    for size in range(1, len(RULE_KINDS) + 1):
        for kinds in itertools.permutations(RULE_KINDS, size):
            assert re.fullmatch(pattern, ",".join(kinds)), kinds
            assert Settings.from_env({"PLINSIGHTS_RULE_KINDS": ",".join(kinds)}).rule_kinds == kinds
    for refused in ("", "bytes,", ",bytes", "bytes,flows", "BYTES", "bytes;rejects"):
        assert not re.fullmatch(pattern, refused), refused


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
