"""Outgoing events (R-INT-2): subscriptions, the signed events and their deliveries to integrators."""
