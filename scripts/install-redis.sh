#!/usr/bin/env bash
# Distributed-crawl tests (tests/test_distributed.py) start Debian's redis-server
# themselves on a free 127.0.0.1 port; this only installs it. Idempotent.
set -euo pipefail
if ! command -v redis-server >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
redis-server --version
