#!/usr/bin/env bash
# The OpenAPI schema against the running API (R-INT-1): a live server on a free port with the demo data in a
# fresh PostgreSQL database, then Schemathesis on every operation of /api/schema/ as the demo `admin`, with a
# bounded number of examples. Required: no server error (5xx) and no answer that the schema does not
# describe (status code, content type, body).
#
#   bash .ci/schemathesis.sh            # from .ci/run, or by hand (PostgreSQL on 127.0.0.1:5432)
#   SCHEMATHESIS_MAX_EXAMPLES=20 SCHEMATHESIS_ARGS="--include-path-regex ^/api/v1/jobs" bash .ci/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PY=.venv/bin/python
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-root}
DB="hrsys_schemathesis_$$"
WORK=$(mktemp -d /tmp/hrsys-schemathesis.XXXXXX)
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:${PORT}"
SERVER_PID=""

cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  dropdb --if-exists -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$DB" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Everything the server writes (media, cache, broker, outbox) lives in $WORK; no Redis, no shared state.
export DATABASE_URL="postgres://${PG_USER}@${PG_HOST}:${PG_PORT}/${DB}"
export HRSYS_SECRETS_FILE=${HRSYS_SECRETS_FILE:-$PWD/var/secrets.env}
export HRSYS_VAR_DIR="$WORK/var"
export HRSYS_BROKER_DIR="$WORK/var/broker"
export PUBLIC_BASE_URL="$BASE"
export DEBUG=0
export OFFER_LETTER_PDF=0  # LibreOffice takes seconds per letter; the DOCX is what the schema is about
# Every request comes from 127.0.0.1: with the careers site's limits per client address (R-PIPE-8) most generated
# requests to /api/v1/public/ would only meet the 429 (which the schema documents) and test nothing behind it.
export CAREERS_APPLY_PER_IP=1000000 CAREERS_APPLY_PER_CONTACT=1000000 PUBLIC_API_RATE=1000000/min
unset REDIS_URL REQUIRE_SERVICES
mkdir -p "$HRSYS_VAR_DIR"

echo "schemathesis: database $DB, server $BASE"
createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$DB"
# A throwaway database: commits need not wait for the disk (halves migrate, seed and the run).
psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$DB" -qc "ALTER DATABASE \"$DB\" SET synchronous_commit = off"
$PY manage.py migrate --noinput -v 0
$PY manage.py seed_demo --quiet-logins >"$WORK/seed.log"

.venv/bin/gunicorn hrsys.wsgi:application --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 \
  --timeout 120 --error-logfile "$WORK/server.log" >"$WORK/server.out" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "$BASE/api/schema/" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "schemathesis: the server did not start"; cat "$WORK/server.log"; exit 1; }
  sleep 1
done

# An API token for the demo `admin`, through the token endpoint itself.
PASSWORD=$($PY manage.py shell -c 'from hrsys.accounts.demo import DEMO_PASSWORD; print(DEMO_PASSWORD)' 2>/dev/null \
  | tail -n 1)
# The admin signs in with two factors (R-SEC-9): the demo authenticator's current code.
OTP=$($PY manage.py demo_totp 2>/dev/null | tail -n 1)
TOKEN=$(curl -fsS -H 'Content-Type: application/json' \
  -d "{\"username\": \"admin\", \"password\": \"${PASSWORD}\", \"otp\": \"${OTP}\"}" "$BASE/api/v1/auth/token/" \
  | $PY -c 'import json, sys; print(json.load(sys.stdin)["token"])')

status=0
# One worker: with several threads, Hypothesis parsing its filters' source can fail inside CPython 3.11
# ("AST constructor recursion depth mismatch"), an error of the tool, not of the API.
# From $WORK: Schemathesis keeps its cache (.schemathesis/) in the current directory; each run starts afresh.
# shellcheck disable=SC2086  # SCHEMATHESIS_ARGS is a list of extra options
(cd "$WORK" && timeout "${SCHEMATHESIS_TIMEOUT:-400}" "$ROOT/.venv/bin/schemathesis" run "$BASE/api/schema/" \
  --header "Authorization: Token ${TOKEN}" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases "${SCHEMATHESIS_PHASES:-examples,coverage,fuzzing}" \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-5}" \
  --workers "${SCHEMATHESIS_WORKERS:-1}" \
  --request-timeout 60 \
  --seed "${SCHEMATHESIS_SEED:-20261130}" \
  --generation-database none \
  --no-color \
  --report junit --report-junit-path "${SCHEMATHESIS_JUNIT:-$WORK/junit.xml}" \
  ${SCHEMATHESIS_ARGS:-}) || status=$?

if [[ $status -ne 0 ]]; then
  echo "schemathesis: failures (above). Server errors logged:"
  grep -h -E "Traceback|Error|Exception" -A3 "$WORK/server.log" "$WORK/server.out" | tail -100 || true
fi
exit $status
