"""``archive reindex`` and ``archive verify``: the commands; the work is in ``archive.search.index`` and
``archive.search.index_verify``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from archive.cli.common import Context, pass_context
from archive.search.index import LOCK_TIMEOUT, rebuild_index
from archive.search.index_verify import verify_index
from archive.trust.fixity import ANCHOR_NAME, anchors_of, verify_fixity

DRIFTS_SHOWN = 50


@click.command("reindex")
@click.option("--timeout", type=click.FloatRange(min=0),
              help=f"Seconds to wait for another process writing the index (default {LOCK_TIMEOUT:g}, "
                   "or $ARCHIVE_INDEX_LOCK_TIMEOUT).")
@click.option("--procs", default=1, show_default=True, type=click.IntRange(min=1),
              help="Processes for indexing; 2 helps on large archives with cores to spare.")
@pass_context
def reindex_command(ctx: Context, timeout: float | None, procs: int) -> None:
    """Rebuild the search index from the store.

    Builds a fresh index beside the old one and swaps it in at the end, so searches keep working
    meanwhile. Repairs every drift 'archive verify' reports, and removes files left by a crash.

    \b
    Example:
      archive reindex
    """
    archive = ctx.archive()
    started = time.monotonic()
    engine = ctx.engine()
    try:
        count = rebuild_index(archive.index_dir, engine, timeout=timeout, procs=procs)
    finally:
        engine.dispose()
    click.echo(f"Indexed {count} record(s) in {time.monotonic() - started:.1f} s.")


@click.command("verify")
@click.option("--site", "site", type=click.Path(path_type=Path),
              help="Instead, check a copy of the published site (a mirror): its signature and every file.")
@click.option("--key", "key", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="With --site: the archive's public key (signing-key.pub), known from elsewhere; default: "
                   "the key the site carries.")
@click.option("--anchor", "anchors", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Also check the fixity log against this anchor: a backup's .anchor.json or a published "
                   "site. Repeatable.")
@pass_context
def verify_command(ctx: Context, site: Path | None, key: Path | None, anchors: tuple[Path, ...]) -> None:
    """Check that the search index agrees with the store and every content hash still matches; exit 1 if not.

    Reports records missing from the index, documents whose record is gone, documents indexed from an
    older version, and files left by an interrupted write ('archive reindex' repairs them all), and what
    the store's fixity check finds (it is logged).
    The fixity log must still reach every anchor kept of it (ARCHIVE/fixity-anchor.json, the published
    site's manifest, and any --anchor), so a log cut short or deleted is reported.
    With --site, checks a published site instead: the signature of its manifest.json, then every file.

    \b
    Example:
      archive verify || archive reindex
      archive verify --site /media/usb/archive-site
    """
    if site is not None:
        _verify_site(site, key)
        return
    archive = ctx.archive()
    kept = anchors_of([archive.root / ANCHOR_NAME, archive.public_dir], anchors)
    engine = ctx.engine()
    try:
        report = verify_index(archive.index_dir, engine)
        # DESIGN: verify also checks that every content hash still matches
        fixity = verify_fixity(engine, anchors=kept, anchor_file=archive.root / ANCHOR_NAME,
                               seal_key=_seal_key(archive.root), files_root=archive.root)
    finally:
        engine.dispose()
    fixity_findings = [f"fixity {kind}: {line}" for kind, lines in (
        ("changed", fixity.changed), ("missing", fixity.missing), ("untracked", fixity.untracked),
        ("log", fixity.log_problems)) for line in lines]
    for line in fixity_findings[:DRIFTS_SHOWN]:
        click.echo(line)
    if fixity_findings:
        click.echo(f"The store's fixity check found {len(fixity_findings)} problem(s).", err=True)
    for drift in report.drifts[:DRIFTS_SHOWN]:
        click.echo(str(drift))
    if len(report.drifts) > DRIFTS_SHOWN:
        click.echo(f"... and {len(report.drifts) - DRIFTS_SHOWN} more")
    if report.busy:
        click.echo("Another process was writing the index, so files left by a crash were not checked.")
    if report.pending:
        click.echo(f"{report.pending} record update(s) are queued for the index (a writer was busy).")
    if report.ok:
        click.echo(f"The index agrees with the store: {report.records} record(s), {report.documents} document(s).")
        if fixity_findings:
            sys.exit(1)
        return
    kinds = ", ".join(f"{report.count(k)} {k}" for k in ("missing", "extra", "stale", "stray", "outdated")
                      if report.count(k))
    click.echo(f"The index disagrees with the store: {kinds}. Run 'archive reindex' to repair it.", err=True)
    sys.exit(1)


def _verify_site(site: Path, key: Path | None) -> None:
    from archive.publish import verify_site

    report = verify_site(site, _read_key(key) if key else None)
    if report.signature_problem:
        click.echo(f"signature {report.signature_problem}")
    else:
        click.echo(f"The manifest's signature verifies: signed by {report.signer}"
                   + ("" if key else " (the key the site carries; compare it with the archive's own)") + ".")
    for label, paths in (("changed", report.changed), ("missing", report.missing), ("extra", report.extra)):
        for path in paths[:DRIFTS_SHOWN]:
            click.echo(f"{label:8} {path}")
        if len(paths) > DRIFTS_SHOWN:
            click.echo(f"... and {len(paths) - DRIFTS_SHOWN} more {label}")
    if report.ok:
        click.echo(f"The site matches its manifest: {report.checked} file(s).")
        return
    if report.changed or report.missing or report.extra:
        click.echo(f"The site differs from its manifest: {len(report.changed)} changed, "
                   f"{len(report.missing)} missing, {len(report.extra)} extra.", err=True)
    if report.signature_problem:
        click.echo("The manifest's signature does not hold: this copy cannot be shown to be the archive's.",
                   err=True)
    sys.exit(1)


def _read_key(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"cannot read the key {path}: {getattr(exc, 'strerror', None) or exc}",
                                 param_hint="'--key'") from None


def _seal_key(root: Path) -> bytes | None:
    """What opens the sealed anchor of the archive's own published sites (None without a key)."""
    from archive.trust import signing

    path = signing.key_path(root)
    if not path.is_file():
        return None
    return signing.seal_key(signing.load_key(path))
