"""The read engine: statement, row and work budgets, paging, filters, limits, prepared reads."""
