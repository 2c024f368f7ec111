#!/usr/bin/env bash
# What the page test (tests/test_page.py) needs beyond scripts/bootstrap.sh:
# Debian's chromium (apt, when missing; needs root) and playwright-core from
# npm in tests/page/node_modules (never a browser download: playwright-core
# drives /usr/bin/chromium). Exits non-zero when either cannot be had.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "chromium is missing; install it as root (apt-get install chromium)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium >/dev/null
fi

if [ ! -f "$HERE/node_modules/playwright-core/package.json" ]; then
  command -v npm >/dev/null || { echo "npm is missing" >&2; exit 1; }
  (cd "$HERE" && npm install --no-save --no-audit --no-fund --silent playwright-core)
fi
