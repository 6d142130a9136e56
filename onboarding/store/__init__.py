"""The SQL read model and append-only audit log (SQLite by default, PostgreSQL in production)."""
