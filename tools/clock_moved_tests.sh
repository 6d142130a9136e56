#!/usr/bin/env bash
# The suite with the clock moved ahead: proof that no test depends on today's date.
#
#   tools/clock_moved_tests.sh            # a year ahead, then three years ahead
#   tools/clock_moved_tests.sh +730d      # any offsets libfaketime takes
#   PYTEST_ARGS="tests/workflows/test_waves.py" tools/clock_moved_tests.sh +365d
#
# Debian's libfaketime (`apt-get install faketime`) moves the clock of this
# process and of what it starts: the Python tests and the time-skipping test
# server. It cannot move the Go dev server (a static binary that reads the clock
# without libc) or PostgreSQL (started outside this run), so the tests marked
# `devserver` are left out and the PostgreSQL URL is unset: with their clocks a
# year apart from ours, those tests would measure the gap, not the code.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v faketime >/dev/null; then
    echo "faketime is missing: apt-get install faketime" >&2
    exit 2
fi
[ -x .venv/bin/pytest ] || make install

offsets=("$@")
[ ${#offsets[@]} -gt 0 ] || offsets=(+365d +1095d)
read -r -a extra <<<"${PYTEST_ARGS:-}"

status=0
for offset in "${offsets[@]}"; do
    echo "== clock moved ${offset}: $(faketime -f "${offset}" date -u +%Y-%m-%dT%H:%MZ)"
    if ! env -u ONBOARDING_TEST_POSTGRES_URL faketime -f "${offset}" \
        .venv/bin/pytest -q -p no:cacheprovider -m "not devserver" "${extra[@]}"; then
        echo "== clock moved ${offset}: FAILED" >&2
        status=1
    fi
done
exit "${status}"
