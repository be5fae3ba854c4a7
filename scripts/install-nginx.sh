#!/usr/bin/env bash
# The benchmark (python -m bench) serves its generated site with Debian's nginx (the light
# build is enough), compares with GNU wget and reads each contender's peak RSS with GNU
# time. Idempotent: apt-get runs only when one of them is missing.
set -euo pipefail
if [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/bin/wget ] || [ ! -x /usr/bin/time ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nginx-light wget time >/dev/null
    # the package starts a system-wide nginx on port 80; the benchmark runs its own
    if command -v systemctl >/dev/null && systemctl is-active --quiet nginx 2>/dev/null; then
        systemctl stop nginx || true
    fi
fi
/usr/sbin/nginx -v
