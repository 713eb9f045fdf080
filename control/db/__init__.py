"""PostgreSQL access: the asyncpg pool and the forward-only migration runner."""
