"""Alembic migrations of the campus schema; run them with ``campus migrate``."""
