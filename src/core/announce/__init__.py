"""Announce: what a run changed in each resource's monitoring, told once to the stack's topic.

changes.py compares each resource's monitoring line as desired (core/desire/monitoring.py) with the
line its carrier alarm was last announced with (its monitoring tag), pure; publish.py publishes one
message for the run and records what was told on the carriers.

It may import the artifact kinds, the model, settings and clients, and no other stage.
"""
