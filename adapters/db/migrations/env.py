"""Alembic environment. Migrations always run on a connection handed in by
`adapters.db.migrate`, so the same code serves SQLite and PostgreSQL, sync or async callers."""

from alembic import context
from sqlmodel import SQLModel

import adapters.db.tables  # noqa: F401  (registers every table on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `stadtkern db upgrade`, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
