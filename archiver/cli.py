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
@click.option(
    "--since", default=None, metavar="DATE", help="Skip articles published before this ISO date."
)
def crawl(
    spider: str,
    urls: tuple[str, ...],
    archive: Path | None,
    overrides: tuple[str, ...],
    max_pages: int | None,
    since: str | None,
) -> None:
    """Crawl SPIDER's site (or --url pages) into the archive."""
    from archiver.crawl import run_crawl

    settings = _parse_overrides(overrides)
    if archive is not None:
        settings["ARCHIVE_DIR"] = str(archive)
    if max_pages is not None:
        settings["CLOSESPIDER_PAGECOUNT"] = max_pages
    try:
        report = run_crawl(spider, list(urls), settings, since=since)
    except KeyError as error:
        raise click.UsageError(str(error.args[0] if error.args else error)) from error
    click.echo(report.render())


@cli.command()
@ARCHIVE_OPTION
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def reparse(archive: Path | None, progress: bool) -> None:
    """Rebuild archive.db from the WARC files alone, offline."""
    from archiver.reparse import reparse as run_reparse

    folder = archive or Path(_default_archive())
    report = run_reparse(folder, progress=progress)
    click.echo(
        f"Rebuilt {folder / 'archive.db'} from {report.files} WARC files: "
        f"{report.records} responses, {report.items} items."
    )
    if report.skipped_open_files:
        click.echo(f"Skipped {report.skipped_open_files} unfinished .open WARC files.", err=True)


@cli.command()
@ARCHIVE_OPTION
def demo(archive: Path | None) -> None:
    """Serve a small demo news site on 127.0.0.1, crawl it, and report. No network needed."""
    from archiver.demo import run_demo

    folder = archive or Path(_default_archive())
    report = run_demo(folder)
    click.echo(report.render())
    click.echo(f"\nBrowse it:  datasette {folder / 'archive.db'}")


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
