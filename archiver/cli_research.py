"""The commands researchers use: other tools' archives in (`import`), threads out
(`export threads`), and people forgotten (`forget`), added to the `archiver` command
by `archiver.cli`; and the `--archive` option every command shares."""

from __future__ import annotations

from pathlib import Path

import click

ARCHIVE_OPTION = click.option(
    "--archive",
    "archive",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: the ARCHIVE_DIR setting, 'archive').",
)


def default_archive() -> str:
    from archiver.settings import ARCHIVE_DIR

    return ARCHIVE_DIR


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@ARCHIVE_OPTION
@click.option("--spider", default=None, help="Read every page with this spider (default: detect).")
@click.option(
    "--in-place", is_flag=True, help="Link .warc.gz files where they are instead of copying."
)
def import_command(
    paths: tuple[Path, ...], archive: Path | None, spider: str | None, in_place: bool
) -> None:
    """Bring other tools' WARC, ARC and WACZ files (or folders of them) into the archive
    and read their pages' threads."""
    from archiver.archive.lock import ArchiveLocked, ArchiveUnwritable
    from archiver.offline.imports import import_archives
    from archiver.registry import spider_names

    if spider is not None and in_place:
        raise click.BadParameter("a file linked in place names no spider: --spider needs a copy")
    if spider is not None and spider not in spider_names():
        raise click.BadParameter(f"no spider {spider!r}: {', '.join(spider_names())}")
    try:
        folder = archive or Path(default_archive())
        report = import_archives(folder, list(paths), spider, progress=True, in_place=in_place)
    except (ArchiveLocked, ArchiveUnwritable) as error:
        raise click.ClickException(str(error)) from error
    click.echo(report.render())


@click.command()
@ARCHIVE_OPTION
@click.option("--author", required=True, help="The commenter's name, as the site prints it.")
@click.option("--site", default=None, help="Only on this site (default: every site).")
def forget(archive: Path | None, author: str, site: str | None) -> None:
    """Redact a commenter: their comments' text and their name, now and in every rebuild."""
    from archiver.archive.lock import ArchiveLocked, lock_archive
    from archiver.store.redactions import forget as redact
    from archiver.store.schema import open_db

    folder = archive or Path(default_archive())
    if not (folder / "archive.db").exists():
        raise click.ClickException(f"no archive database at {folder / 'archive.db'}")
    try:
        lock_archive(folder)
    except ArchiveLocked as error:
        raise click.ClickException(str(error)) from error
    db = open_db(folder / "archive.db")
    counts = redact(db, author, site)
    db.conn.commit()
    click.echo(
        f"Forgot {author!r} on {site or 'every site'}: {counts['comments']} comments redacted,"
        f" {counts['quotes']} quotes, {counts['mentions']} comments naming them."
    )


@click.command()
@ARCHIVE_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet", "edges", "graphml"]),
    default="jsonl", show_default=True,
    help="Rows as JSON lines, CSV or Parquet; the reply/quote graph as edges or GraphML.",
)  # fmt: skip
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File."
)
@click.option("--articles", is_flag=True, help="One row per article instead of per comment.")
@click.option("--site", default=None, help="Only this site's threads.")
@click.option("--since", default=None, help="Only what was posted since this ISO date.")
@click.option("--pseudonymize", "key", default=None, help="Replace names by keyed hashes.")
def export_threads(
    archive: Path | None,
    fmt: str,
    output: Path,
    articles: bool,
    site: str | None,
    since: str | None,
    key: str | None,
) -> None:
    """Write threads for research: one row per comment (or article), or the reply graph."""
    import sqlite_utils

    from archiver.serve.export import Pseudonyms, export_threads

    database = (archive or Path(default_archive())) / "archive.db"
    if not database.exists():
        raise click.ClickException(f"no archive database at {database}")
    names = Pseudonyms(key.encode()) if key else None
    db = sqlite_utils.Database(database)
    try:
        count = export_threads(
            db, output, fmt, articles=articles, site=site, since=since, pseudonyms=names
        )
    except ValueError as error:  # Parquet without pyarrow
        raise click.ClickException(str(error)) from error
    click.echo(f"Wrote {count} {'nodes' if fmt == 'graphml' else 'rows'} to {output}")
