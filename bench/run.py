"""`python -m bench`: wget --mirror against archiver crawl and reparse, on one local site.

For each size, the generated WordPress-shaped site is written to disk and served
by nginx on 127.0.0.1; then each round runs, one after the other in a fresh
process each, `wget --mirror --warc-file`, `archiver crawl wordpress` and
`archiver reparse` on that crawl's archive. Wall time, peak RSS (from the
child's own rusage), pages and WARC bytes are kept per round; the table and
JSON give medians and the ratios to wget measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from tempfile import mkdtemp
from urllib.parse import unquote, urlsplit

from warcio.recordloader import ArcWarcRecord

from archiver.archive.reader import read_records
from bench import frontier
from bench.nginx import Nginx, free_port, nginx_version
from bench.site import SIZES, build_site, write_site
from tests.wpsite import WpSite

#: Politeness lifted for our own loopback server, so the pipeline is measured, not the delay.
LOOPBACK_SETTINGS = (
    "CONCURRENT_REQUESTS=16",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=False",
    "LOG_LEVEL=WARNING",
)
#: wget archives every link it is shown; it skips those the wordpress spider never follows
#: by design: reply forms (`?replytocom=`, as issue 6 asks) and `/?p=ID` shortlinks,
#: the same posts under another URL (which nginx answers with the home page).
WGET_REJECT = r"replytocom|[?]p=[0-9]+$"
#: reparse on one core (what issue 6's target is about), then with a worker per core
JOBS = os.cpu_count() or 1
CONTENDERS = (
    "wget",
    "scrapy fetch only",  # the archiver's fetcher alone on the crawl's URLs (bench/floor.py)
    "archiver crawl",
    "parse floor",  # what any rebuild must do: read each HTML response, build its tree
    "archiver reparse",
    f"archiver reparse -j{JOBS}",
    # the same crawl again on the unchanged site: as scheduled (listings asked again,
    # conditionally; no thread due yet), and with every known page asked again
    "archiver recrawl",
    "archiver recrawl --recheck",
)
TIME = "/usr/bin/time"  # GNU time (Debian's `time`), for each contender's own peak RSS
# Targets of issue 6.
TARGET_CRAWL_VS_WGET = 1.0
TARGET_REPARSE_PAGES_PER_S = 300.0
TARGET_PEAK_RSS_MB = 250.0
TARGET_RSS_GROWTH = 0.10
TARGET_REPARSE_VS_PARSE_FLOOR = 4.0  # issue 16: reparse on one core at most 4× the floor
TARGET_RECRAWL_VS_CRAWL = 0.2  # issue 16: the crawl run again on the unchanged site


@dataclass
class Run:
    """One contender's run: what it cost and what it archived."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    exit_code: int
    pages: int = 0
    warc_bytes: int | None = None


@dataclass
class SizeResult:
    name: str
    posts: int
    comments: int
    site_pages: int
    site_bytes: int
    runs: dict[str, list[Run]] = field(default_factory=dict)
    comments_after_crawl: int = 0
    comments_after_reparse: int = 0
    same_post_pages: bool = False
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()

    def summary(self) -> dict[str, dict]:
        """Per contender: medians over rounds, rates, peak RSS, ratios to wget's wall time."""
        wget = statistics.median(r.wall_s for r in self.runs["wget"])
        out = {}
        for name, runs in self.runs.items():
            wall = statistics.median(r.wall_s for r in runs)
            pages = runs[-1].pages
            out[name] = {
                "wall_s": round(wall, 3),
                "wall_s_min": round(min(r.wall_s for r in runs), 3),
                "cpu_s": round(statistics.median(r.cpu_s for r in runs), 3),
                "pages": pages,
                "pages_per_s": round(pages / wall, 1),
                "comments_per_s": round(self.comments / wall, 1),
                "peak_rss_mb": round(max(r.peak_rss_mb for r in runs), 1),
                "warc_bytes": runs[-1].warc_bytes,
                "wall_vs_wget": round(wall / wget, 3),
                "rounds": [asdict(r) for r in runs],
            }
        return out


def measure(command: list[str], log: Path) -> Run:
    """Run `command` in a fresh process; its own wall time, CPU time and peak RSS.

    The peak RSS comes from GNU time, not from our own wait4: a child spawned by this
    (big) process inherits its high-water RSS across exec, GNU time's child does not.
    """
    peak = log.with_suffix(".maxrss")
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [TIME, "--format", "%M", "--output", str(peak), *command],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    peak_kb = int(peak.read_text().split()[-1])
    return Run(round(wall, 3), round(cpu, 3), round(peak_kb / 1024, 1), process.returncode)


def wget_command(url: str, out: Path) -> list[str]:
    return [
        "wget",
        "--mirror",
        f"--warc-file={out / 'wget'}",
        "--reject-regex",
        WGET_REJECT,
        "--no-verbose",
        "--directory-prefix",
        str(out / "mirror"),
        url + "/",
    ]


def archiver_command(*args: str, profile: Path | None = None) -> list[str]:
    if profile is None:
        return [sys.executable, "-m", "archiver.cli", *args]
    runner = [sys.executable, "-m", "pyinstrument", "-r", "text", "--no-color", "-o", str(profile)]
    return [*runner, "-m", "archiver.cli", *args]


def crawl_args(url: str, archive: Path) -> list[str]:
    settings = [arg for setting in LOOPBACK_SETTINGS for arg in ("-s", setting)]
    return ["crawl", "wordpress", "--url", url + "/", "--archive", str(archive), *settings]


def warc_responses(paths: list[Path]) -> list[tuple[str, str | None]]:
    """(target URI, HTTP status) of every response record in these WARC files."""
    found = []
    for path in paths:
        found += [
            (read.record.rec_headers.get_header("WARC-Target-URI"), _status(read.record))
            for read in read_records(path, kinds=("response",), payloads=False)
        ]
    return found


def _status(record: ArcWarcRecord) -> str | None:
    return record.http_headers.get_statuscode() if record.http_headers else None


def post_page_paths(site: WpSite) -> set[str]:
    """Every post page and comment page of the site, as unquoted paths."""
    return {unquote(p) for post in site.posts for p in [post.path, *site.comment_page_paths(post)]}


def run_round(url: str, out: Path, result: SizeResult, site: WpSite) -> None:
    """wget, then a full crawl, a reparse of that crawl and two recrawls of the unchanged
    site, each measured on its own."""
    out.mkdir(parents=True)
    archive = out / "archive"
    wget, wget_pages = run_wget(url, out)
    crawl, crawl_pages = run_archiver(crawl_args(url, archive), out / "crawl.log", archive)
    result.comments_after_crawl = _count(archive / "archive.db", "comments")
    floor = run_floor(sorted((archive / "warc").glob("*.warc.gz")), out)
    parse_floor = measure_on_warcs("bench.parse_floor", archive, out / "parse-floor.log")
    reparses = []
    for jobs in (1, JOBS):
        reparse_args = ["reparse", "--archive", str(archive), "--no-progress", "--jobs", str(jobs)]
        reparse, _ = run_archiver(reparse_args, out / f"reparse-j{jobs}.log", archive)
        reparse.warc_bytes = None  # it reads the crawl's WARC files, writes none
        reparses.append(reparse)
        result.comments_after_reparse = _count(archive / "archive.db", "comments")
    recrawls = [
        run_recrawl(url, archive, out / f"recrawl{i}.log", flags)
        for i, flags in enumerate(([], ["--recheck"]))
    ]
    wanted = post_page_paths(site)
    result.same_post_pages = (wget_pages & wanted) == (crawl_pages & wanted) == wanted
    runs = (wget, floor, crawl, parse_floor, *reparses, *recrawls)
    for name, run in zip(CONTENDERS, runs, strict=True):
        result.runs.setdefault(name, []).append(run)


def run_wget(url: str, out: Path) -> tuple[Run, set[str]]:
    """A wget mirror run, with the pages its WARC holds."""
    run = measure(wget_command(url, out), out / "wget.log")
    if run.exit_code not in (0, 8):  # 8: some URL answered an error (404s), as on any site
        raise RuntimeError(f"wget failed ({run.exit_code}); see {out / 'wget.log'}")
    return _with_warcs(run, sorted(out.glob("wget*.warc.gz")))


def measure_on_warcs(module: str, archive: Path, log: Path) -> Run:
    """A `python -m module WARC…` run over the crawl's WARC files, its pages counted."""
    warcs = sorted((archive / "warc").glob("*.warc.gz"))
    run = measure([sys.executable, "-m", module, *map(str, warcs)], log)
    if run.exit_code != 0:
        raise RuntimeError(f"{module} failed ({run.exit_code}); see {log}")
    run.pages = int(log.read_text().split()[0])
    return run


def run_floor(warcs: list[Path], out: Path) -> Run:
    """Scrapy alone fetching the URLs the crawl fetched, in a fresh process."""
    urls = [url for url, _ in warc_responses(warcs)]
    listing = out / "floor-urls.txt"
    listing.write_text("\n".join(urls) + "\n")
    run = measure([sys.executable, "-m", "bench.floor", str(listing)], out / "floor.log")
    if run.exit_code != 0:
        raise RuntimeError(f"bench.floor failed ({run.exit_code}); see {out / 'floor.log'}")
    run.pages = len(urls)
    return run


def run_archiver(
    args: list[str], log: Path, archive: Path, profile: Path | None = None
) -> tuple[Run, set[str]]:
    """An archiver command, with the pages the archive's WARC files hold."""
    run = measure(archiver_command(*args, profile=profile), log)
    if run.exit_code != 0:
        raise RuntimeError(f"exit {run.exit_code}: {log.read_text()[-2000:]}")
    return _with_warcs(run, sorted((archive / "warc").glob("*.warc.gz")))


def run_recrawl(url: str, archive: Path, log: Path, flags: list[str]) -> Run:
    """The crawl again on the same archive: its pages and bytes are its own WARC files'
    response and revisit records (a 304 is archived as a revisit)."""
    before = set((archive / "warc").glob("*.warc.gz"))
    run = measure(archiver_command(*crawl_args(url, archive), *flags), log)
    if run.exit_code != 0:
        raise RuntimeError(f"exit {run.exit_code}: {log.read_text()[-2000:]}")
    written = sorted(set((archive / "warc").glob("*.warc.gz")) - before)
    run.pages = sum(
        1 for path in written for _ in read_records(path, kinds=("response", "revisit"))
    )
    run.warc_bytes = sum(path.stat().st_size for path in written)
    return run


def _with_warcs(run: Run, warcs: list[Path]) -> tuple[Run, set[str]]:
    responses = warc_responses(warcs)
    run.pages = len(responses)
    ok_pages = {unquote(urlsplit(url).path) for url, status in responses if status == "200"}
    run.warc_bytes = sum(p.stat().st_size for p in warcs)
    return run, ok_pages


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def run_frontier(size: frontier.FrontierSize, work: Path) -> frontier.FrontierResult:
    """The million-URL frontier (bench/frontier.py): a crawl's peak RSS and the URLs it knows."""
    print(f"[frontier] {size.urls} URLs, {size.pages} pages", file=sys.stderr, flush=True)
    folder = work / f"frontier-{size.urls}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    frontier.write_frontier_site(folder / "site", url, size.urls)
    archive = folder / "archive"
    args = [*crawl_args(url, archive), "--max-pages", str(size.pages)]
    with Nginx(folder / "site", folder / "nginx", port):
        run, _ = run_archiver(args, folder / "crawl.log", archive)
    known = frontier.known_urls(archive / "archive.db", url)
    return frontier.FrontierResult(size.urls, run.pages, run.wall_s, run.peak_rss_mb, known)


def bench_size(name: str, rounds: int, work: Path, profile: bool) -> SizeResult:
    """Generate, serve and benchmark one site size."""
    folder = work / name
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    site = build_site(SIZES[name], url)
    site_bytes = write_site(site, folder / "site")
    site_pages = len(site.routes)
    site.routes.clear()  # the bodies are on disk now; keep this process small
    result = SizeResult(
        name,
        len(site.posts),
        len(site.comments),
        site_pages,
        site_bytes,
        load_before=os.getloadavg(),
    )
    with Nginx(folder / "site", folder / "nginx", port):
        for number in range(1, rounds + 1):
            print(f"[{name}] round {number}/{rounds}", file=sys.stderr, flush=True)
            run_round(url, folder / f"round-{number}", result, site)
        if profile:
            print(f"[{name}] profiling", file=sys.stderr, flush=True)
            profile_round(url, folder / "profile")
    result.load_after = os.getloadavg()
    return result


def profile_round(url: str, out: Path) -> None:
    """One untimed crawl and reparse under pyinstrument: call trees with times, as text."""
    out.mkdir(parents=True)
    archive = out / "archive"
    reparse_args = ["reparse", "--archive", str(archive), "--no-progress"]
    for name, args in (("crawl", crawl_args(url, archive)), ("reparse", reparse_args)):
        run_archiver(args, out / f"{name}.log", archive, profile=out / f"{name}.txt")


def targets(sizes: list[SizeResult]) -> dict[str, dict]:
    """Where each of issue 6's targets stands, from this run's numbers."""
    summaries = {s.name: s.summary() for s in sizes}
    crawl_ratio = max(s["archiver crawl"]["wall_vs_wget"] for s in summaries.values())
    reparse_rate = min(s["archiver reparse"]["pages_per_s"] for s in summaries.values())
    rss = max(
        s[c]["peak_rss_mb"]
        for s in summaries.values()
        for c in ("archiver crawl", "archiver reparse")
    )
    vs_floor = max(
        s["archiver reparse"]["wall_s"] / s["parse floor"]["wall_s"] for s in summaries.values()
    )
    recrawl = max(
        s["archiver recrawl"]["wall_s"] / s["archiver crawl"]["wall_s"] for s in summaries.values()
    )
    out = {
        "recrawl_unchanged_vs_crawl": {
            "value": round(recrawl, 3),
            "target": TARGET_RECRAWL_VS_CRAWL,
            "met": recrawl <= TARGET_RECRAWL_VS_CRAWL,
        },
        "reparse_vs_parse_floor": {
            "value": round(vs_floor, 2),
            "target": TARGET_REPARSE_VS_PARSE_FLOOR,
            "met": vs_floor <= TARGET_REPARSE_VS_PARSE_FLOOR,
        },
        "crawl_wall_vs_wget": {
            "value": crawl_ratio,
            "target": TARGET_CRAWL_VS_WGET,
            "met": crawl_ratio <= TARGET_CRAWL_VS_WGET,
        },
        "reparse_pages_per_s": {
            "value": reparse_rate,
            "target": TARGET_REPARSE_PAGES_PER_S,
            "met": reparse_rate >= TARGET_REPARSE_PAGES_PER_S,
        },
        "peak_rss_mb": {
            "value": rss,
            "target": TARGET_PEAK_RSS_MB,
            "met": rss <= TARGET_PEAK_RSS_MB,
        },
    }
    if "default" in summaries and "10x" in summaries:
        growth = {
            c: summaries["10x"][c]["peak_rss_mb"] / summaries["default"][c]["peak_rss_mb"] - 1
            for c in ("archiver crawl", "archiver reparse")
        }
        worst = round(max(growth.values()), 3)
        out["rss_growth_default_to_10x"] = {
            "value": worst,
            "target": TARGET_RSS_GROWTH,
            "met": worst <= TARGET_RSS_GROWTH,
        }
    return out


def report(
    sizes: list[SizeResult], rounds: int, frontier_run: frontier.FrontierResult | None
) -> dict:
    extra = {"frontier": frontier_run.report()} if frontier_run else {}
    goals = frontier_run.targets() if frontier_run else {}
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "wget": subprocess.run(
                ["wget", "--version"], capture_output=True, text=True
            ).stdout.split("\n")[0],
            "nginx": nginx_version(),
        },
        "rounds": rounds,
        "archiver_settings": list(LOOPBACK_SETTINGS),
        "wget_reject_regex": WGET_REJECT,
        "sizes": [
            {
                "name": s.name,
                "posts": s.posts,
                "comments": s.comments,
                "site_pages": s.site_pages,
                "site_bytes": s.site_bytes,
                "comments_after_crawl": s.comments_after_crawl,
                "comments_after_reparse": s.comments_after_reparse,
                "same_post_pages": s.same_post_pages,
                "load_before": [round(x, 2) for x in s.load_before],
                "load_after": [round(x, 2) for x in s.load_after],
                "contenders": s.summary(),
            }
            for s in sizes
        ],
        **extra,
        "targets": (targets(sizes) if sizes else {}) | goals,
    }


def render(data: dict) -> str:
    """The JSON report as a plain-text table per size."""
    lines = [
        f"archiver settings: -s {' -s '.join(data['archiver_settings'])}",
        f"wget: --mirror --warc-file --reject-regex {data['wget_reject_regex']}",
    ]
    header = ("contender", "wall s", "pages/s", "comments/s", "peak RSS MB", "WARC MB", "× wget")
    for size in data["sizes"]:
        lines += [
            "",
            f"{size['name']}: {size['posts']} posts, {size['comments']} comments, "
            f"{size['site_pages']} files ({size['site_bytes'] / 1e6:.0f} MB); median of "
            f"{data['rounds']} rounds; load {size['load_before']} -> {size['load_after']}; "
            f"comments in the database after crawl {size['comments_after_crawl']}, after reparse "
            f"{size['comments_after_reparse']}; same post pages: {size['same_post_pages']}",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
        ]
        for name, c in size["contenders"].items():
            warc = f"{c['warc_bytes'] / 1e6:.1f}" if c["warc_bytes"] is not None else "-"
            cells = (
                name,
                f"{c['wall_s']:.2f}",
                f"{c['pages_per_s']:.0f}",
                f"{c['comments_per_s']:.0f}",
                f"{c['peak_rss_mb']:.0f}",
                warc,
                f"{c['wall_vs_wget']:.2f}",
            )
            lines.append("| " + " | ".join(cells) + " |")
    if "frontier" in data:
        f = data["frontier"]
        lines += [
            "",
            f"million-URL frontier: {f['urls']} post URLs in sitemaps, crawl stopped after"
            f" {f['pages']} pages in {f['wall_s']:.1f} s; peak RSS {f['peak_rss_mb']:.0f} MB;"
            f" URLs known (fetch_state rows) {f['known_urls']}",
        ]
    lines.append("")
    for name, t in data["targets"].items():
        lines.append(
            f"target {name}: {t['value']} (target {t['target']}): "
            f"{'met' if t['met'] else 'NOT met'}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--size",
        action="append",
        choices=sorted(SIZES),
        help="site size, repeatable (default: default and 10x)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="keep sites and archives here")
    parser.add_argument("--json", type=Path, help="also write the JSON report to this file")
    parser.add_argument(
        "--frontier-urls",
        type=int,
        help="post URLs of the frontier site's sitemaps (default: by --size; 0: skip it)",
    )
    parser.add_argument(
        "--frontier-only", action="store_true", help="run the frontier contender alone"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile a crawl and a reparse (pyinstrument call trees)",
    )
    args = parser.parse_args(argv)
    work = args.workdir or Path(mkdtemp(prefix="news-archiver-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    names = args.size or ["default", "10x"]
    sizes = (
        []
        if args.frontier_only
        else [bench_size(n, args.rounds, work, args.profile) for n in names]
    )
    scale = max((frontier.SIZES[n] for n in names), key=lambda size: size.urls)
    if args.frontier_urls is not None:
        scale = frontier.FrontierSize(args.frontier_urls, scale.pages)
    frontier_run = run_frontier(scale, work) if scale.urls else None
    data = report(sizes, args.rounds, frontier_run)
    print(render(data))
    print(json.dumps(data, indent=2))
    if args.json:
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    print(f"sites, archives and logs: {work}", file=sys.stderr)
    return 0
