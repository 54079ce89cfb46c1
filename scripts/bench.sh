#!/usr/bin/env bash
# Print the figures (called by `make bench` after setup).
set -euo pipefail
exec .venvs/api/bin/python -m bench.run "$@"
