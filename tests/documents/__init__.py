"""Persisted queries and trusted documents."""
