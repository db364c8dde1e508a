from __future__ import annotations

from pathlib import Path

import click

from archive.cli.common import Context, pass_context


@click.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="The port on 127.0.0.1 (0 picks a free one).")
@click.option("--site", "site", type=click.Path(file_okay=False, path_type=Path),
              help="The built site to serve. Default: ARCHIVE/public.")
@pass_context
def serve_command(ctx: Context, port: int, site: Path | None) -> None:
    """Preview the built site at http://127.0.0.1:PORT/ (this machine only). Stop with Ctrl-C.

    \b
    Example:
      archive build && archive serve --port 8080
    """
    from archive.publish.serve import HOST, make_server

    site = site or ctx.archive().public_dir
    if not (site / "index.html").is_file():
        raise click.ClickException(f"{site} holds no built site; run 'archive build' first")
    try:
        server = make_server(site, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}; try --port") from None
    bound = server.server_address[1]
    click.echo(f"Serving {site} at http://{HOST}:{bound}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
