#!/usr/bin/env bash
# Browser tests (tests/browser.py) drive Debian's headless Chromium; Playwright's own
# browser download cannot work here, so the system package is used. Idempotent.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # fonts-dejavu-core: readable text in screenshots on a bare machine
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
/usr/bin/chromium --version
