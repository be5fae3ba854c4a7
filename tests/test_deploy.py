"""The project deploys to scrapyd: scrapy.cfg's [deploy] builds an egg scrapyd can run."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_scrapyd_egg_holds_spiders_and_settings_entry_point(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(
        ROOT,
        project,
        ignore=shutil.ignore_patterns(".venv*", "archive", ".git", "test-artifacts", "build"),
    )
    egg = tmp_path / "news-archiver.egg"
    deploy = Path(sys.executable).parent / "scrapyd-deploy"
    result = subprocess.run(
        [str(deploy), f"--build-egg={egg}"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(egg) as built:
        names = set(built.namelist())
        entry_points = built.read("EGG-INFO/entry_points.txt").decode()
    assert {"spiders/next_ink.py", "spiders/hackernews.py", "archiver/settings.py"} <= names
    assert "[scrapy]\nsettings = archiver.settings" in entry_points
