"""The `archiver` command: each subcommand parses arguments, calls one library function, reports."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archiver import __version__

ARCHIVE_OPTION = click.option(
    "--archive",
    "archive",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: the ARCHIVE_DIR setting, 'archive').",
)


@click.group()
@click.version_option(__version__, prog_name="news-archiver")
def cli() -> None:
    """Archive tech-news articles and their whole comment threads as WARC and SQLite."""


@cli.command()
@click.argument("spider")
@click.option("--url", "urls", multiple=True, help="Start URL (repeatable); any host.")
@ARCHIVE_OPTION
@click.option(
    "-s",
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="A Scrapy setting, as with `scrapy crawl -s`.",
)
@click.option("--max-pages", type=int, default=None, help="Stop after this many responses.")
@click.option("--recheck", is_flag=True, help="Treat every known thread as due now.")
@click.option(
    "--redis",
    "redis_url",
    default=None,
    metavar="URL",
    help="Share the crawl with other workers through this Redis "
    "(default: $ARCHIVER_REDIS_URL, the REDIS_URL setting).",
)
@click.option(
    "--since", default=None, metavar="DATE", help="Skip articles published before this ISO date."
)
@click.option(
    "--contact",
    default=None,
    metavar="URL",
    help="How a site's operator reaches you (a URL or mailto:), sent in the User-Agent"
    " (default: $ARCHIVER_CONTACT).",
)
def crawl(
    spider: str,
    urls: tuple[str, ...],
    archive: Path | None,
    overrides: tuple[str, ...],
    max_pages: int | None,
    recheck: bool,
    since: str | None,
    redis_url: str | None,
    contact: str | None,
) -> None:
    """Crawl SPIDER's site (or --url pages) into the archive."""
    from archiver.archive.lock import ArchiveLocked, ArchiveUnwritable
    from archiver.crawl.run import RedisUnavailable, run_crawl

    settings = _parse_overrides(overrides)
    if archive is not None:
        settings["ARCHIVE_DIR"] = str(archive)
    if max_pages is not None:
        settings["CLOSESPIDER_PAGECOUNT"] = max_pages
    if recheck:
        settings["RECRAWL_RECHECK"] = True
    if redis_url:
        settings["REDIS_URL"] = redis_url
    if contact:
        settings["ARCHIVER_CONTACT"] = contact
    from archiver.crawl.spider import StartUrlError

    try:
        report = run_crawl(spider, list(urls), settings, since=since)
    except KeyError as error:
        raise click.UsageError(str(error.args[0] if error.args else error)) from error
    except StartUrlError as error:
        raise click.UsageError(str(error)) from error
    except (ArchiveLocked, ArchiveUnwritable, RedisUnavailable) as error:
        raise click.ClickException(str(error)) from error
    click.echo(report.render())
    if report.storage_error:
        raise click.ClickException(
            f"the crawl stopped: cannot write to the archive ({report.storage_error})."
            " Free space (or make the archive writable) and run the same crawl again:"
            " it resumes where this one stopped."
        )


@cli.command()
@ARCHIVE_OPTION
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Parse in this many worker processes (saving stays in one).",
)
@click.option(
    "--force", is_flag=True, help="Replace the database even if no WARC record could be read."
)
def reparse(archive: Path | None, progress: bool, jobs: int, force: bool) -> None:
    """Rebuild archive.db from the WARC files alone, offline."""
    from archiver.archive.lock import ArchiveLocked, ArchiveUnwritable
    from archiver.offline.reparse import ReparseRefused
    from archiver.offline.reparse import reparse as run_reparse

    folder = archive or Path(_default_archive())
    try:
        report = run_reparse(folder, progress=progress, jobs=jobs, force=force)
    except (ArchiveLocked, ArchiveUnwritable, ReparseRefused) as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Rebuilt {folder / 'archive.db'} from {report.files} WARC files: "
        f"{report.records} responses, {report.items} items."
    )
    if report.threads_incomplete:
        click.echo(
            f"{report.threads_incomplete} thread(s) hold fewer comments than their page shows"
            " (fetch_errors rows of kind thread_incomplete)."
        )
    if report.skipped_open_files:
        click.echo(f"Skipped {report.skipped_open_files} unfinished .open WARC files.", err=True)
    for damage in report.damaged:
        click.echo(f"Damaged WARC file {damage.render()}.", err=True)


@cli.command()
@ARCHIVE_OPTION
@click.option(
    "--from",
    "sources",
    multiple=True,
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="A worker's archive folder (repeatable).",
)
def ingest(archive: Path | None, sources: tuple[Path, ...]) -> None:
    """Merge workers' archives: copy their WARC files in, reparse them into archive.db."""
    from archiver.archive.lock import ArchiveLocked, ArchiveUnwritable
    from archiver.offline.ingest import ingest as run_ingest

    try:
        report = run_ingest(archive or Path(_default_archive()), list(sources))
    except (ArchiveLocked, ArchiveUnwritable, ValueError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(report.render())


@cli.command()
@ARCHIVE_OPTION
def verify(archive: Path | None) -> None:
    """Check the WARC files (read to the end, digests), the database's pointers into them,
    and that each comment marked deleted is gone from the capture that says so."""
    from archiver.archive.verify import verify_archive
    from archiver.offline.vanished import wrongly_vanished

    folder = archive or Path(_default_archive())
    report = verify_archive(folder)
    if report.ok:  # every capture is where the database says: read the vanishing ones
        report.problems += wrongly_vanished(folder)
    click.echo(report.render())
    if not report.ok:
        sys.exit(1)


@cli.command()
@ARCHIVE_OPTION
def demo(archive: Path | None) -> None:
    """Serve a small demo news site on 127.0.0.1, crawl it, and report. No network needed."""
    from archiver.ops.demo import run_demo

    folder = archive or Path(_default_archive())
    report = run_demo(folder)
    click.echo(report.render())
    click.echo(f"\nBrowse it:  datasette {folder / 'archive.db'}")


@cli.command()
@ARCHIVE_OPTION
@click.option("--port", type=int, default=8001, show_default=True, help="Port on 127.0.0.1.")
@click.option(
    "--replay-url",
    default=None,
    help="Collection URL of `archiver replay` for replay links "
    "(default http://127.0.0.1:8080/archive/).",
)
def serve(archive: Path | None, port: int, replay_url: str | None) -> None:
    """Browse archive.db in Datasette on 127.0.0.1: facets, search, threads, replay links."""
    from archiver.serve.browse import serve as run_serve

    folder = archive or Path(_default_archive())
    if not (folder / "archive.db").exists():
        raise click.ClickException(f"no archive database at {folder / 'archive.db'}")
    click.echo(f"Datasette on http://127.0.0.1:{port}/archive (Ctrl-C to stop)")
    try:
        run_serve(folder, port, replay_url=replay_url)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error


@cli.command()
@ARCHIVE_OPTION
@click.option("--port", type=int, default=8080, show_default=True, help="Port on 127.0.0.1.")
@click.option("--index-only", is_flag=True, help="Update the replay index, do not serve.")
def replay(archive: Path | None, port: int, index_only: bool) -> None:
    """Index new WARC files into a pywb collection and replay it offline on 127.0.0.1."""
    from archiver.serve.replay import serve_replay, update_collection

    folder = archive or Path(_default_archive())
    click.echo(update_collection(folder).render())
    if index_only:
        return
    click.echo(f"pywb on http://127.0.0.1:{port}/archive/<timestamp>/<url> (Ctrl-C to stop)")
    try:
        serve_replay(folder, port)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@ARCHIVE_OPTION
@click.option("--spider", default=None, help="Read every page with this spider (default: detect).")
def import_command(paths: tuple[Path, ...], archive: Path | None, spider: str | None) -> None:
    """Bring other tools' WARC, ARC and WACZ files (or folders of them) into the archive
    and read their pages' threads."""
    from archiver.archive.lock import ArchiveLocked, ArchiveUnwritable
    from archiver.offline.imports import import_archives
    from archiver.registry import spider_names

    if spider is not None and spider not in spider_names():
        raise click.BadParameter(f"no spider {spider!r}: {', '.join(spider_names())}")
    try:
        report = import_archives(archive or Path(_default_archive()), list(paths), spider)
    except (ArchiveLocked, ArchiveUnwritable) as error:
        raise click.ClickException(str(error)) from error
    click.echo(report.render())


@cli.command()
@ARCHIVE_OPTION
@click.option("--author", required=True, help="The commenter's name, as the site prints it.")
@click.option("--site", default=None, help="Only on this site (default: every site).")
def forget(archive: Path | None, author: str, site: str | None) -> None:
    """Redact a commenter: their comments' text and their name, now and in every rebuild."""
    from archiver.archive.lock import ArchiveLocked, lock_archive
    from archiver.store.redactions import forget as redact
    from archiver.store.schema import open_db

    folder = archive or Path(_default_archive())
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


@cli.group()
def export() -> None:
    """Export the archive to other formats."""


@export.command("threads")
@ARCHIVE_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "edges", "graphml"]), default="jsonl",
    show_default=True, help="Rows as JSON lines or CSV; the reply/quote graph as edges or GraphML.",
)  # fmt: skip
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File."
)
@click.option("--articles", is_flag=True, help="One row per article instead of per comment.")
@click.option("--site", default=None, help="Only this site's threads.")
@click.option("--since", default=None, help="Only what was posted since this ISO date.")
@click.option("--pseudonymize", "key", default=None, help="Replace names by keyed hashes.")
def export_threads_command(
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

    database = (archive or Path(_default_archive())) / "archive.db"
    if not database.exists():
        raise click.ClickException(f"no archive database at {database}")
    names = Pseudonyms(key.encode()) if key else None
    db = sqlite_utils.Database(database)
    count = export_threads(
        db, output, fmt, articles=articles, site=site, since=since, pseudonyms=names
    )
    click.echo(f"Wrote {count} {'nodes' if fmt == 'graphml' else 'rows'} to {output}")


@export.command("wacz")
@ARCHIVE_OPTION
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="WACZ file."
)
def export_wacz_command(archive: Path | None, output: Path) -> None:
    """Write a WACZ file (WARCs, index, article pages) that ReplayWeb.page opens."""
    from archiver.serve.wacz import export_wacz

    folder = archive or Path(_default_archive())
    try:
        click.echo(export_wacz(folder, output).render())
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error


@cli.command()
@ARCHIVE_OPTION
def status(archive: Path | None) -> None:
    """Per site: the last runs, pages fetched and revisited, new rows, errors, what is due."""
    from archiver.store.schema import open_db
    from archiver.store.status import archive_status, render

    database = (archive or Path(_default_archive())) / "archive.db"
    if not database.exists():
        raise click.ClickException(f"no archive database at {database}")
    click.echo(render(archive_status(open_db(database))))


@cli.command()
@click.argument("spider")
@click.option("--every", required=True, metavar="DURATION", help="e.g. 30m, 1h, 6h, 1d.")
@click.option("--url", "urls", multiple=True, help="Start URL (repeatable).")
@ARCHIVE_OPTION
@click.option("--systemd", is_flag=True, help="A systemd user timer instead of a cron line.")
@click.option("--install", is_flag=True, help="Install it for the current user.")
def schedule(
    spider: str,
    every: str,
    urls: tuple[str, ...],
    archive: Path | None,
    systemd: bool,
    install: bool,
) -> None:
    """Print (or --install) a cron line or systemd user timer that crawls SPIDER every DURATION."""
    from archiver.ops import schedule as scheduling
    from archiver.registry import load_spider

    try:
        load_spider(spider)
    except KeyError as error:
        raise click.UsageError(str(error.args[0] if error.args else error)) from error
    folder = (archive or Path(_default_archive())).resolve()
    try:
        if systemd:
            units = scheduling.systemd_units(spider, every, folder, list(urls))
            for name, content in units.items():
                click.echo(f"# {name}\n{content}")
            notes = scheduling.install_systemd(units, Path.home()) if install else []
        else:
            line = scheduling.cron_line(spider, every, folder, list(urls))
            click.echo(line)
            notes = scheduling.install_cron(line) if install else []
    except (ValueError, RuntimeError) as error:
        raise click.ClickException(str(error)) from error
    for note in notes:
        click.echo(note, err=True)


def _parse_overrides(pairs: tuple[str, ...]) -> dict[str, object]:
    settings: dict[str, object] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="-s")
        settings[name.strip()] = value
    return settings


def _default_archive() -> str:
    from archiver.settings import ARCHIVE_DIR

    return ARCHIVE_DIR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(cli())
