"""The `archiver` command: each subcommand parses arguments, calls one library function, reports."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from archiver import __version__
from archiver.cli_research import (
    ARCHIVE_OPTION,
    default_archive,
    export_threads,
    forget,
    import_command,
)

CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Sites config file (default: ARCHIVE/archiver.toml).",
)
VERBOSE_OPTION = click.option(
    "-v", "--verbose", is_flag=True, help="Show Scrapy's log here too, not only in ARCHIVE/logs/."
)


class _Commands(click.Group):
    """A mistake in the config file is the user's: one line, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ValueError as error:
            from archiver.ops.config import ConfigError  # not at every start: 0.3 s

            if isinstance(error, ConfigError):
                raise click.ClickException(str(error)) from error
            raise


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="news-archiver")
def cli() -> None:
    """Archive tech-news articles and their whole comment threads as WARC and SQLite."""


@cli.command()
@click.argument("names", nargs=-1, metavar="SPIDER | SITE...")
@CONFIG_OPTION
@click.option("--all", "due", is_flag=True, help="Crawl the config's sites that are due.")
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
    " (default: the config's, $ARCHIVER_CONTACT).",
)
@VERBOSE_OPTION
def crawl(
    names: tuple[str, ...],
    config_path: Path | None,
    due: bool,
    urls: tuple[str, ...],
    archive: Path | None,
    overrides: tuple[str, ...],
    max_pages: int | None,
    recheck: bool,
    since: str | None,
    redis_url: str | None,
    contact: str | None,
    verbose: bool,
) -> None:
    """Crawl SPIDER's site (or --url pages) into the archive; with --config or --all, the
    config's sites named (else those due), one after another."""
    from archiver.crawl.run import CrawlJob
    from archiver.ops.config import config_jobs, load_with_runs

    settings = _parse_overrides(overrides)
    named = {
        "ARCHIVE_DIR": archive and str(archive),
        "CLOSESPIDER_PAGECOUNT": max_pages,
        "RECRAWL_RECHECK": recheck or None,
        "REDIS_URL": redis_url,
        "ARCHIVER_CONTACT": contact,
    }
    settings |= {name: value for name, value in named.items() if value is not None}
    if config_path or due:
        if urls or bool(names) == due:
            raise click.UsageError("with a config: --all (the sites due) or site names, no --url")
        config, last = load_with_runs(config_path, archive or Path(default_archive()))
        jobs, waiting = config_jobs(config, list(names), last, settings, since)
    elif len(names) == 1:
        jobs, waiting = [CrawlJob(names[0], list(urls), settings, since)], []
    else:
        raise click.UsageError("name one SPIDER, or give --config with --all or site names")
    reports = _run_crawls(jobs, verbose, settings) if jobs else []
    if len(jobs) == 1 and not jobs[0].name and reports[0].failure:
        raise click.UsageError(str(reports[0].failure))  # a bad start URL
    click.echo("\n\n".join([report.render() for report in reports] + waiting))
    stopped = next((report.storage_error for report in reports if report.storage_error), None)
    if stopped:
        raise click.ClickException(
            f"the crawl stopped: cannot write to the archive ({stopped})."
            " Free space (or make the archive writable) and run the same crawl again:"
            " it resumes where this one stopped."
        )
    if any(report.failure for report in reports):
        raise click.ClickException("a crawl could not start (see above)")


def _run_crawls(jobs: list, verbose: bool, settings: dict[str, object]) -> list:
    """Run the crawls with a progress line on the terminal; user mistakes as one line."""
    from archiver.archive.lock import ArchiveLocked, ArchiveUnwritable
    from archiver.crawl.run import RedisUnavailable, run_crawls
    from archiver.settings import project_settings
    from archiver.terminal import CrawlDisplay, console

    try:
        with console(verbose, project_settings(settings).get("LOG_LEVEL")), CrawlDisplay() as show:
            return run_crawls(jobs, progress=show)
    except KeyError as error:
        raise click.UsageError(str(error.args[0] if error.args else error)) from error
    except (ArchiveLocked, ArchiveUnwritable, RedisUnavailable) as error:
        raise click.ClickException(str(error)) from error


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

    folder = archive or Path(default_archive())
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
        report = run_ingest(archive or Path(default_archive()), list(sources), progress=True)
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

    folder = archive or Path(default_archive())
    report = verify_archive(folder)
    if report.ok:  # every capture is where the database says: read the vanishing ones
        report.problems += wrongly_vanished(folder)
    click.echo(report.render())
    if not report.ok:
        sys.exit(1)


@cli.command()
@ARCHIVE_OPTION
@VERBOSE_OPTION
def demo(archive: Path | None, verbose: bool) -> None:
    """Serve a small demo news site on 127.0.0.1, crawl it, and report. No network needed."""
    from archiver.ops.demo import run_demo
    from archiver.terminal import CrawlDisplay, console

    with console(verbose), CrawlDisplay() as show:
        report = run_demo(archive or Path(default_archive()), progress=show)
    click.echo(report.render(default_archive=archive is None))


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

    folder = archive or Path(default_archive())
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

    folder = archive or Path(default_archive())
    click.echo(update_collection(folder).render())
    if index_only:
        return
    click.echo(f"pywb on http://127.0.0.1:{port}/archive/<timestamp>/<url> (Ctrl-C to stop)")
    try:
        serve_replay(folder, port)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error


@cli.group()
def export() -> None:
    """Export the archive to other formats."""


@export.command("wacz")
@ARCHIVE_OPTION
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="WACZ file."
)
@click.option(
    "--include-redacted", is_flag=True, help="Keep pages that showed forgotten commenters."
)
def export_wacz_command(archive: Path | None, output: Path, include_redacted: bool) -> None:
    """Write a WACZ file (WARCs, index, article pages) that ReplayWeb.page opens."""
    from archiver.serve.wacz import export_wacz

    folder = archive or Path(default_archive())
    try:
        click.echo(export_wacz(folder, output, include_redacted).render())
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error


@cli.command()
@ARCHIVE_OPTION
@CONFIG_OPTION
def status(archive: Path | None, config_path: Path | None) -> None:
    """Per site: the last runs, pages fetched and revisited, new rows, errors, what is due."""
    from archiver.ops.config import config_file, load_with_runs, render_sites
    from archiver.store.schema import open_db
    from archiver.store.status import archive_status, render

    folder = archive or Path(default_archive())
    database = folder / "archive.db"
    configured = config_file(config_path, folder)
    if not database.exists() and configured is None:
        raise click.ClickException(f"no archive database at {database}")
    parts = []
    if configured is not None:
        parts.append(render_sites(*load_with_runs(configured, folder), datetime.now(UTC)))
    if database.exists():
        parts.append(render(archive_status(open_db(database))))
    click.echo("\n\n".join(parts))


@cli.command()
@click.argument("spider", required=False)
@click.option(
    "--every",
    default=None,
    metavar="DURATION",
    help="e.g. 30m, 1h, 6h, 1d; with a config, how often to look for due sites (default 15m).",
)
@click.option("--url", "urls", multiple=True, help="Start URL (repeatable).")
@ARCHIVE_OPTION
@CONFIG_OPTION
@click.option("--systemd", is_flag=True, help="A systemd user timer instead of a cron line.")
@click.option("--install", is_flag=True, help="Install it for the current user.")
def schedule(
    spider: str | None,
    every: str | None,
    urls: tuple[str, ...],
    archive: Path | None,
    config_path: Path | None,
    systemd: bool,
    install: bool,
) -> None:
    """Print (or --install) a cron line or systemd user timer that crawls SPIDER every
    DURATION; without SPIDER, one that crawls the config's sites when they are due."""
    from archiver.ops.config import load_with_runs
    from archiver.ops.schedule import Timer
    from archiver.registry import load_spider

    folder = (archive or Path(default_archive())).resolve()
    try:
        if spider:
            if config_path or not every:
                raise click.UsageError("a SPIDER is scheduled with --every DURATION, not --config")
            load_spider(spider)
            timer = Timer.for_spider(spider, every, folder, list(urls))
        else:
            config, _ = load_with_runs(config_path, folder)  # checked now, not at 3 a.m.
            timer = Timer.for_config(config.path.resolve(), every or "15m", folder)
        click.echo(timer.render(systemd))
        notes = timer.install(systemd, Path.home()) if install else []
    except KeyError as error:
        raise click.UsageError(str(error.args[0] if error.args else error)) from error
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


cli.add_command(import_command)
cli.add_command(forget)
export.add_command(export_threads, "threads")

if __name__ == "__main__":  # pragma: no cover
    sys.exit(cli())
