#!/usr/bin/env bash
# The contract test (tests/e2e/test_schemathesis_contract.py), deeper and unseeded:
# schemathesis with every check and phase against a fresh `onboarding up`, as
# admin (EXAMPLES per operation) and as viewer and coordinator (a tenth of it).
# Prints schemathesis's summary for each role; findings the contract test lists
# as exceptions (rules JSON Schema cannot say) show up here too.
#
#   tools/schemathesis_deep.sh            # 200 examples
#   EXAMPLES=500 tools/schemathesis_deep.sh
set -euo pipefail

cd "$(dirname "$0")/.."
EXAMPLES="${EXAMPLES:-200}"
OTHERS=$(( EXAMPLES / 10 > 5 ? EXAMPLES / 10 : 5 ))
VENV="${VENV:-.venv}"
# More workers are faster, but hypothesis is not thread-safe everywhere: an
# internal error (not a finding) may show up with WORKERS=2.
WORKERS="${WORKERS:-1}"
WORK="$(mktemp -d /tmp/schemathesis-deep.XXXXXX)"

free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT="$(free_port)"
TEMPORAL_PORT="$(free_port)"
UI_PORT="$(free_port)"
URL="http://127.0.0.1:$PORT"

env -u ONBOARDING_HOME -u ONBOARDING_URL "$VENV/bin/onboarding" up --data-dir "$WORK/data" \
    --port "$PORT" --temporal-port "$TEMPORAL_PORT" --ui-port "$UI_PORT" > "$WORK/up.log" 2>&1 &
UP_PID=$!
stop() {
    kill -INT "$UP_PID" 2>/dev/null || true
    wait "$UP_PID" 2>/dev/null || true
}
trap stop EXIT

for _ in $(seq 1 300); do
    if curl -fsS "$URL/api/health" 2>/dev/null | grep -q '"status":"ok"'; then break; fi
    if ! kill -0 "$UP_PID" 2>/dev/null; then cat "$WORK/up.log"; exit 1; fi
    sleep 0.5
done
ADMIN="$(cat "$WORK/data/admin.token")"

token() {
    curl -fsS -X POST "$URL/api/users" -H "Authorization: Bearer $ADMIN" \
        -H 'Content-Type: application/json' -d "{\"name\": \"deep $1\", \"role\": \"$1\"}" |
        "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
VIEWER="$(token viewer)"
COORDINATOR="$(token coordinator)"

status=0
run() {  # role token examples [options...]
    local role=$1 secret=$2 examples=$3
    shift 3
    echo "=== $role: $examples examples per operation (log: $WORK/$role.txt) ==="
    "$VENV/bin/st" run "$URL/openapi.json" --checks all --no-color --workers "$WORKERS" \
        -H "Authorization: Bearer $secret" --max-examples "$examples" "$@" \
        > "$WORK/$role.txt" 2>&1 || status=1
    sed -n '/= SUMMARY =/,$p' "$WORK/$role.txt"
}
# Revoking tokens would revoke the fuzzer's own.
run admin "$ADMIN" "$EXAMPLES" --exclude-operation-id revoke_user
run viewer "$VIEWER" "$OTHERS"
run coordinator "$COORDINATOR" "$OTHERS"
echo "Full reports (failures with curl reproductions): $WORK/*.txt"
exit "$status"
