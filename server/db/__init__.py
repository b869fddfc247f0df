"""The database: engine and sessions, the SQLite driver, the ORM models, the migrations."""
