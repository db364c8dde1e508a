"""Alembic environment: the engine comes from archive.store.migrate, never from an ini file."""

from alembic import context

from archive.store.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    # On SQLite, batch mode rebuilds tables; keep foreign keys off during the copy so cascades
    # cannot delete rows in other tables.
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=is_sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
    if is_sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
