"""Apply: Plan -> writes, change by change (writes.py), each paced at its API's documented rate
(pacing.py). A failed change is recorded and the next reconcile tries again; ownership is read
again right before each update or delete.

It may import the artifact kinds (each knows how it is written and deleted), progress, the model,
settings, errors and clients, and no other stage.
"""
