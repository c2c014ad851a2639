"""Plan: DesiredState + ActualState -> Plan, pure: creates, updates, state changes and deletes,
each with its reason, in dependency order, within the deletion limit (diff.py).

It may import the artifact kinds (their comparison and order) and the model, and no other stage.
"""
