"""Discover: reads of the account -> Inventory (endpoints, load balancers, their ENIs, the VPCs'
tags and the flow logs over them). Batched, paginated reads only; a failed read stops the run
with DiscoveryError before anything is written.

It may import the model, settings, errors and clients, and no other stage.
"""
