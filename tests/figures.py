"""Named figures the tests derive expected counts from, so that a new rule kind changes no unrelated test."""

from __future__ import annotations

from core.desire.health_alarms import CONSUMER_HEALTH, ENDPOINT_HEALTH, LOAD_BALANCER_HEALTH
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
# exist: top-bytes and top-rejects on each monitored resource; the health alarms of each of the 3
# live interface endpoints, of the load balancer and of the consumers of its one endpoint service.
RULE_ALARMS_PER_RESOURCE = 2  # top-bytes, top-rejects (the default rule_alarms, "top")
HEALTH_ALARMS_PER_ENDPOINT = len(ENDPOINT_HEALTH)  # dropped packets, resets received
HEALTH_ALARMS_PER_SERVICE = len(LOAD_BALANCER_HEALTH) + len(CONSUMER_HEALTH)  # a load balancer behind one service
DEMO_ALARMS = RULE_ALARMS_PER_RESOURCE * DEMO_MONITORED + 3 * HEALTH_ALARMS_PER_ENDPOINT + HEALTH_ALARMS_PER_SERVICE
DEMO_ALARMS_PER_CONSUMER = RULE_ALARMS_PER_RESOURCE + HEALTH_ALARMS_PER_ENDPOINT
DEMO_DASHBOARDS = 1
DEMO_ARTIFACTS = DEMO_RULES + DEMO_ALARMS + DEMO_DASHBOARDS

# An interface endpoint of tests/builders.py with its flow log: top-bytes and top-rejects alarms (the
# default rule_alarms, "top") and its health alarms, and one dashboard for the Region.
ALARMS_PER_ENDPOINT = RULE_ALARMS_PER_RESOURCE + HEALTH_ALARMS_PER_ENDPOINT
