"""Campus GraphQL: the runtime (settings, database, models, services, app, CLI)."""
