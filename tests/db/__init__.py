"""The database: transactions, the SQLite driver, migrations, racing writers, lost connections."""
