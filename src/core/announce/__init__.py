"""Announce: what a run changed in each resource's monitoring, told once to the stack's topic.

changes.py compares each resource's monitoring line as desired (core/desire/monitoring.py) with the
line its carrier alarm was last announced with (its monitoring tag), pure; publish.py publishes one
message for the run and records what was told on the carriers.

It sits between the loop and the stages: it may import the stages' results (the monitoring lines
of core/desire/monitoring.py), the artifact kinds, the model, settings and clients; only the loop
and the report import it.
"""
