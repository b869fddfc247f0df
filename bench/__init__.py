"""The benchmark: the campus server against a naive baseline and a raw-SQL floor.

Run it with ``python -m bench`` (see ``python -m bench --help`` and the README's
performance section).
"""
