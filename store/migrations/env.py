"""Alembic environment: runs migrations on the connection store.migrate hands over.

It imports nothing of the project, as the migrations do not: no target metadata, because only
autogenerate and compare read it, and upgrade and downgrade never do. The check that the
migrated schema is what the models declare lives in tests/store/test_migrations.py.
"""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `cbccvc migrate` (store.migrate), not bare alembic")

context.configure(connection=connection)
with context.begin_transaction():
    context.run_migrations()
