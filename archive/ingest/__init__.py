"""Ingest: the record format, and reading records from files.

What it owns: the field table and its limits (``record_rules``), validation and normalization of one record
(``records``), the readers of every file format (``formats``), CSV mappings (``mapping*``), placeholder
values (``placeholders``), the demand and redaction formats (``demands``, ``redaction``) and rejects files
(``rejects``). Its output is a validated, normalized record; it never touches the database.

What it may import: the kernel only (``archive.errors``, ``archive.dates``, ``archive.resources``). Every
other room may import it. Writing validated records into the store is ``archive.store.ingest``.
"""
