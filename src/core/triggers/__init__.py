"""Triggers: when a reconcile runs. Events, the schedule, backfill and follow-ups become a Trigger
(events.py); whether a batch of hints needs a reconcile now and when the next one is due
(followup.py, pure); how that follow-up reaches the reconcile queue (delivery.py, the one write).

An event is only a hint: what a run writes comes from the account, never from the event. The
handlers call this stage and then the loop; nothing else in core imports it. It may import the
model, settings, errors and clients, and no other stage.
"""
