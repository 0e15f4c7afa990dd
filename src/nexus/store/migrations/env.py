"""Alembic environment: runs migrations on the connection the store hands over."""

from alembic import context

from nexus.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Nexus migrations run through StatementStore.migrate(), not the alembic CLI")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
