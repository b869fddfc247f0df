"""The write side's business rules: plain async functions over an ``AsyncSession``.

They know nothing of GraphQL. Each takes the session of a transaction that
its caller owns, changes what it says, and raises ``ServiceError`` for an
expected failure, which rolls the whole transaction back.
"""
