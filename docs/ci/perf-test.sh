#!/bin/sh
# Apple's performance test of your Get Retention Message endpoint, in CI (docs/ci.md): start the
# sandbox, wait until it answers, start your backend with the sandbox's variables set, wait until
# it answers, run the test. Exit 0 on PASS, 1 on FAIL, 2 when something did not start; the JUnit
# report and both logs are left in the current directory. docs/ci.md's GitHub Actions and GitLab
# CI jobs run this script, and tests/test_ci_recipe.py runs it with the example endpoint.
#
#   BACKEND_START      the command that starts your backend, in the background, with
#                      APPSTORE_SANDBOX_* set (see `appstore-sandbox env`); one command, which
#                      the script stops at the end (for more, put them in a script that ends
#                      with `exec`)
#   BACKEND_URL        your Get Retention Message endpoint: http://127.0.0.1:8000/retention
#   SANDBOX_SETUP      optional: a command run once the sandbox answers, before the backend
#                      starts (your own app and a purchase, for instance)
#   PERF_TEST_OPTIONS  optional: more perf-test options (--bundle-id, --total, --duration, ...)
#   SANDBOX_PORT       default 8080
#   JUNIT_REPORT       default report.xml
#   READY_TIMEOUT_S    how long each server may take to answer, default 60
# Needs curl, and appstore-sandbox on PATH.
set -eu

: "${BACKEND_START:?set it to the command that starts your backend}"
: "${BACKEND_URL:?set it to your Get Retention Message endpoint}"
SANDBOX_PORT="${SANDBOX_PORT:-8080}"
JUNIT_REPORT="${JUNIT_REPORT:-report.xml}"
READY_TIMEOUT_S="${READY_TIMEOUT_S:-60}"

started=""
stop() {
  [ -z "$started" ] || kill $started 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop EXIT

# wait_for URL PID LOG: until URL answers with any HTTP status, while PID runs.
wait_for() {
  deadline=$(($(date +%s) + READY_TIMEOUT_S))
  until curl -s -o /dev/null "$1"; do
    if ! kill -0 "$2" 2>/dev/null; then
      echo "perf-test.sh: the process logging to $3 exited before $1 answered:" >&2
      cat "$3" >&2
      exit 2
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "perf-test.sh: nothing answers at $1 after $READY_TIMEOUT_S s; $3:" >&2
      cat "$3" >&2
      exit 2
    fi
    sleep 0.2
  done
}

appstore-sandbox serve --port "$SANDBOX_PORT" --data-dir .appstore-sandbox >sandbox.log 2>&1 &
started="$!"
wait_for "http://127.0.0.1:$SANDBOX_PORT/_sandbox/v1/health" "$!" sandbox.log

# The CLI's server, base URLs, key file and root certificate, for the setup and the backend.
export APPSTORE_SANDBOX_SERVER="http://127.0.0.1:$SANDBOX_PORT"
sandbox_env="$(appstore-sandbox env --shell)"  # apart from eval, so that set -e sees a failure
eval "$sandbox_env"
if [ -n "${SANDBOX_SETUP:-}" ]; then
  sh -c "$SANDBOX_SETUP"
fi

# exec: the process started is the backend itself, so that stopping it stops the backend.
sh -c "exec $BACKEND_START" >backend.log 2>&1 &
started="$started $!"
wait_for "$BACKEND_URL" "$!" backend.log

# PERF_TEST_OPTIONS is split into words on purpose.
# shellcheck disable=SC2086
appstore-sandbox perf-test --url "$BACKEND_URL" --junit "$JUNIT_REPORT" ${PERF_TEST_OPTIONS:-}
