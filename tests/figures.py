"""Named figures the tests derive expected counts from, so that a new rule kind changes no unrelated test."""

from __future__ import annotations

from core.desire.rules import RULE_TEMPLATES

# A resource whose ENIs one usable log group covers whole (10 ENIs at most) gets one rule per kind.
RULES_PER_RESOURCE = len(RULE_TEMPLATES)

# PrivateLink's own metrics draw in two widgets per resource: traffic (bytes and connections) and
# dropped and reset packets, so packets never share an axis with gigabytes.
NATIVE_WIDGETS_PER_RESOURCE = 2

# The demo world (src/demo/world.py): a consumer endpoint and a Network Load Balancer are monitored;
# a gateway endpoint, an endpoint without flow logs and one whose flow logs go to S3 are not.
DEMO_MONITORED = 2
DEMO_NOT_MONITORED = 3
DEMO_RULES = RULES_PER_RESOURCE * DEMO_MONITORED
# Alarms read the byte and reject rules and PrivateLink's own metrics, whatever other rule kinds
# exist: top-bytes and top-rejects on each monitored resource, drops on each of the 3 live endpoints,
# resets on the load balancer.
DEMO_ALARMS = 8
DEMO_ALARMS_PER_CONSUMER = 3  # top-bytes, top-rejects, drops
DEMO_DASHBOARDS = 1
DEMO_ARTIFACTS = DEMO_RULES + DEMO_ALARMS + DEMO_DASHBOARDS

# An interface endpoint of tests/builders.py with its flow log: top-bytes, top-rejects and drops alarms
# (the default rule_alarms, "top"), and one dashboard for the Region.
ALARMS_PER_ENDPOINT = 3
