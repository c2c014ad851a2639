"""Inspect: read-only answers for a person, built on the loop's dry run. explain.py says what one
resource is and why it is monitored or not; preview.py evaluates the wanted rules over the
flow-log records already logged (insights_eval.py, the local Contributor Insights evaluator);
top.py reads the live rules' reports; incoming_events.py reads how many log events the rules'
log groups receive, for the cost estimate.

It may import every stage and the loop, and nothing imports it but the CLI and the demo.
"""
