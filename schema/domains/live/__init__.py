"""Subscriptions: the root fields that follow changes as they commit, and the events they send."""
