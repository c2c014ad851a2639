"""Desire: Inventory + Settings -> DesiredState, pure (no clock, no environment, no client).

state.py decides what each resource should have, or why it has none: which flow log feeds which
rule (sources.py, flow_logs.py), the rules (rules.py), the alarms (alarms.py, on the rules and on
PrivateLink's own metrics: native_metrics.py), the dashboards (dashboards.py), tag-based selection
and overrides (selection.py), and what it all costs a month (cost.py).

It may import the artifact kinds (their names and canonical forms), the model and settings, and
no other stage.
"""
