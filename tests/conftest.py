from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the expected.json of golden site cases from the parsers' output",
    )


def corpus_dir() -> Path | None:
    """The shared corpus of real pages: $ARCHIVER_CORPUS, else ../shared/corpus."""
    candidate = Path(os.environ.get("ARCHIVER_CORPUS") or ROOT.parent / "shared" / "corpus")
    return candidate if (candidate / "MANIFEST.tsv").is_file() else None


@pytest.fixture(scope="session")
def corpus() -> Path:
    found = corpus_dir()
    if found is None:
        message = "real-page corpus not found: set ARCHIVER_CORPUS or put it at ../shared/corpus"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (under CI a missing corpus is a failure)")
        pytest.skip(message)
    return found


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory) -> Path:
    """An archive made by `archiver demo`, shared by the tests that only read it."""
    from tests.test_crawl_e2e import archiver

    archive = tmp_path_factory.mktemp("demo") / "archive"
    archiver("demo", "--archive", str(archive))
    return archive
