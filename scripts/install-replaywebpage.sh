#!/usr/bin/env bash
# ReplayWeb.page's own files (the npm package `replaywebpage`: ui.js, sw.js, index.html),
# which tests/test_replayweb.py serves on loopback to open an exported WACZ as a reader
# would. Pinned and checked against the registry's sha512; kept in .cache/ (git-ignored).
# Idempotent: a complete copy of the pinned version is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=2.5.3
INTEGRITY="sha512-nCj2PSON3BxeSJKE8AsYPyULv0XPZKJWfy4l9PyQre9SqwLZ+WKZVs/sfLqPOQ4GrH+0YkjbwOhr8cSTH08gsQ=="
DEST=".cache/replaywebpage-$VERSION"
if [ ! -f "$DEST/sw.js" ]; then
    rm -rf "$DEST" "$DEST.part"
    python3 - "$VERSION" "$INTEGRITY" "$DEST" <<'PY'
import base64, hashlib, io, sys, tarfile, urllib.request
from pathlib import Path

version, integrity, dest = sys.argv[1:]
url = f"https://registry.npmjs.org/replaywebpage/-/replaywebpage-{version}.tgz"
with urllib.request.urlopen(url, timeout=120) as answer:
    tarball = answer.read()
digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
if digest != integrity:
    sys.exit(f"{url}: sha512 {digest} is not the pinned {integrity}")
partial = Path(dest + ".part")
partial.mkdir(parents=True, exist_ok=True)
with tarfile.open(fileobj=io.BytesIO(tarball)) as package:
    for name in ("index.html", "ui.js", "sw.js"):
        (partial / name).write_bytes(package.extractfile(f"package/{name}").read())
partial.rename(dest)
PY
fi
echo "ReplayWeb.page $VERSION in $DEST"
