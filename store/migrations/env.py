"""Alembic environment: runs migrations on the connection store.migrate hands over."""

from alembic import context

from store.metadata import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `cbccvc migrate` (store.migrate), not bare alembic")

context.configure(connection=connection, target_metadata=metadata, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
