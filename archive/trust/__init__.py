"""Trust: that what the archive keeps is whole, provable and can be carried elsewhere.

What it owns: creating an archive with its signing key (``create``, ``signing``), the fixity log and its
sealed anchor (``fixity``), backups (``backup``), BagIt export and import (``bag``), deleting records for
good (``delete``) and cleaning up what earlier ingests left behind (``clean``).

What it may import: the kernel, ``archive.ingest``, ``archive.store``, ``archive.public`` and
``archive.search`` (a new archive starts with an empty index).
"""
