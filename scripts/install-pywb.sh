#!/usr/bin/env bash
# pywb pins werkzeug, gevent and brotlipy (whose `brotli` module would shadow the one the
# crawler uses), so it gets its own virtualenv, .venv-pywb/, which `archiver replay` runs
# as a separate process. Idempotent: an existing install of the pinned range is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
PYWB_SPEC="pywb>=2.10,<2.11"
if ! .venv-pywb/bin/python -c 'import pywb' 2>/dev/null; then
    python3 -m venv .venv-pywb
    .venv-pywb/bin/pip install --quiet --upgrade pip
fi
.venv-pywb/bin/pip install --quiet "$PYWB_SPEC"
.venv-pywb/bin/wayback --version
