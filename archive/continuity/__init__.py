"""Continuity: waves of activity, and what links struggles across them.

What it owns: waves and their spans (``waves``), activity series and wave suggestion (``wave_activity``),
earlier struggles like a given one with the reasons (``earlier``) and the controlled vocabulary of lessons
(``lessons``).

What it may import: the kernel, ``archive.ingest``, ``archive.store``, ``archive.public``,
``archive.search`` and ``archive.trust``.
"""
