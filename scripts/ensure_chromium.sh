#!/usr/bin/env bash
# The browser tests drive Debian's chromium (never a downloaded browser).
# Install it when it is missing and we may (root with apt-get, as in CI);
# otherwise say how, and the browser tests will skip with that reason.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "Chromium is not installed, so the browser tests will be skipped."
  echo "To run them: sudo apt-get install chromium"
fi
