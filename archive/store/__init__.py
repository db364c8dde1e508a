"""Store: the archive folder, its configuration and the database that keeps the records.

What it owns: ``archive.toml`` (``config``), the typed SQLAlchemy models (``models``), engines and SQLite
statistics (``db``), a plain DB-API read path for ``archive search`` (``dbapi``), Alembic migrations
(``migrate``), atomic writes of validated records with revisions and sources (``write``), the ingest run that
reads files and writes them (``ingest``) and the canonical reading of stored records (``canonical``).

What it may import: the kernel and ``archive.ingest``. It knows nothing of publication, search or the
public projection.
"""
