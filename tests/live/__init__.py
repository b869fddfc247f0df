"""Subscriptions: sockets, their rules and groups, the listeners, several workers."""
