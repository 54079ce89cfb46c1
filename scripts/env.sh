# Source this file: it sets every setting the services share (see
# docs/contracts.md). Your own values go in .env (never committed); secrets
# that are missing there are made up once and kept in .env.
set -a
# .env holds secrets: readable by its owner only. A fresh checkout is the
# demo (DEMO_MODE=true: the made-up staff of data/demo/staff.yml can sign in
# with DEMO_STAFF_PASSWORD); a real site sets DEMO_MODE=false or leaves it out.
[ -f .env ] || (umask 077 && echo "DEMO_MODE=true" > .env)
chmod 600 .env
# LOOKUP_HASH_KEY is never rotated (api/crypto.py); an older .env made its
# look-up hashes with DATA_ENCRYPTION_KEY, so it takes that key's first part.
if ! grep -q "^LOOKUP_HASH_KEY=" .env && grep -q "^DATA_ENCRYPTION_KEY=" .env; then
  echo "LOOKUP_HASH_KEY=$(grep "^DATA_ENCRYPTION_KEY=" .env | tail -1 | cut -d= -f2- | cut -d, -f1)" >> .env
fi
secrets="RASA_TOKEN ACTIONS_API_TOKEN PSEUDONYM_KEY DATA_ENCRYPTION_KEY LOOKUP_HASH_KEY"
grep -q "^DEMO_MODE=true" .env && secrets="$secrets DEMO_STAFF_PASSWORD"
for secret in $secrets; do
  grep -q "^$secret=" .env || echo "$secret=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >> .env
done
. ./.env
: "${API_PORT:=8000}" "${RASA_PORT:=5005}" "${ACTIONS_PORT:=5055}"
: "${API_URL:=http://127.0.0.1:$API_PORT}"
: "${RASA_URL:=http://127.0.0.1:$RASA_PORT}"
: "${ACTIONS_URL:=http://127.0.0.1:$ACTIONS_PORT}"
: "${REDIS_HOST:=127.0.0.1}" "${REDIS_PORT:=6379}" "${REDIS_DB:=0}" "${REDIS_PASSWORD:=}"
: "${CONVERSATION_QUIET_SECONDS:=86400}" "${CONVERSATION_EXPIRY_SECONDS:=2592000}"
: "${DATA_DIR:=data}"
# Rasa sends no anonymous usage figures anywhere (a council wants no
# outbound calls); set RASA_TELEMETRY_ENABLED=true in .env to allow them.
: "${RASA_TELEMETRY_ENABLED:=false}"
# Quieter TensorFlow start-up inside Rasa.
: "${TF_CPP_MIN_LOG_LEVEL:=2}"
set +a
