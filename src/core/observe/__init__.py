"""Observe: reads of our own artifacts -> ActualState (state.py), and the Region's rule quota
(quota.py). Ours means our prefix AND our owner mark; only what is ours is ever planned on.

It may import the artifact kinds (each knows how it is read and proven ours), progress, the model,
settings, errors and clients, and no other stage.
"""
