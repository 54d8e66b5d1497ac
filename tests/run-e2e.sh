#!/usr/bin/env bash
# Runs the end-to-end suites with real clients against one e2e server
# (the contract: examples/e2e_server.rs). Builds and installs nothing: the
# server must be built, `npm ci` done in tests/js and, for the python suite,
# the venv made in tests/python/.venv (.ci/run does all three).
#
#   tests/run-e2e.sh
#
# Environment:
#   SERVER_CMD  command that starts the server; `--host 127.0.0.1 --port N`
#               is appended (default: the release e2e_server example of this
#               repo, under $CARGO_TARGET_DIR or target/). Any server that
#               keeps the contract works, e.g. SERVER_CMD="node path/server.js".
#   E2E_SUITES  suites to run, separated by spaces: engine socketio python
#               recovery cluster cluster-sharded cluster-sharded-rc
#               cluster-streams cluster-postgres deflate flood (default: engine). `recovery`
#               runs against a second server started with --recovery,
#               `deflate` against one started with --deflate, `flood`
#               against one started with --flood-limit, each stopped when it is
#               done. `cluster` runs against a server started with --redis
#               REDIS_URL --node-name rust-1 (stopped when it is done), next
#               to a Node socket.io server on @socket.io/redis-adapter that
#               the suite starts itself; then tests/js/cluster-admin (the
#               Admin UI across a Rust and a Node server) against one started
#               with --redis REDIS_URL --admin-ui --node-name rust-1.
#               `cluster-sharded` runs the same
#               tests against a server started with --redis-sharded
#               REDIS_URL, next to a Node server on createShardedAdapter
#               (Redis 7+); `cluster-sharded-rc` does it on a three-master
#               Redis Cluster that it starts itself (redis-server and
#               redis-cli on free ports in a temp dir, stopped after).
#               `cluster-streams` runs tests/js/cluster against a server
#               started with --redis-streams REDIS_URL (the Node server on
#               @socket.io/redis-streams-adapter), then tests/js/cluster-streams
#               (recovery across servers) against one started with
#               --redis-streams REDIS_URL --recovery.
#               `cluster-postgres` runs the same tests against a server
#               started with --postgres POSTGRES_URL --node-name rust-1, next
#               to a Node server on @socket.io/postgres-adapter 0.5.0.
#   REDIS_URL   the Redis of the cluster suite (default
#               redis://127.0.0.1:6379/; .ci/run starts one)
#   POSTGRES_URL the database of the cluster-postgres suite (default
#               postgres://postgres@127.0.0.1:5432/test; .ci/run starts one)
#   E2E_FLAGS   extra flags for every server this script starts, e.g.
#               `--deflate` to run the whole battery with per-message deflate
#   E2E_PORT    port for the server (default: a free one)
#   PYTHON      python with the suite's requirements
#               (default: tests/python/.venv/bin/python, else python3)
#
# The server is started once, on 127.0.0.1, and stopped on exit whatever
# happens. Exits non-zero when a suite fails, the server does not start, or
# it does not exit with status 0 on SIGTERM. The last line reads
# "e2e: N passed, N failed" (test counts of all suites).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVER_CMD="${SERVER_CMD:-"${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/e2e_server"}"
E2E_SUITES="${E2E_SUITES:-engine}"
START_TIMEOUT_S=60
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sio-e2e.XXXXXX")"
SERVER_PID=""
EXTRA_PID=""
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/}"
POSTGRES_URL="${POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
PASSED=0
FAILED=0
FAILED_SUITES=()

log() { echo "run-e2e: $*" >&2; }
die() { log "$*"; exit 1; }

# Stops the server if it still runs: SIGTERM, then SIGKILL after 10 s.
# Sets SERVER_STATUS to its exit status (137 when it had to be killed).
SERVER_STATUS=0
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  local pid="$SERVER_PID"
  SERVER_PID=""
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  SERVER_STATUS=0
  wait "$pid" 2>/dev/null || SERVER_STATUS=$?
}

cleanup() {
  [ -z "$EXTRA_PID" ] || kill -KILL "$EXTRA_PID" 2>/dev/null || true
  stop_redis_cluster
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  node -e 'const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Starts SERVER_CMD and sets SIO_URL from its "listening on" line. The
# e2e server adds its non-contract `/api` namespace (for
# tests/js/socketio/api.test.mjs) only with SIO_E2E_API=1.
start_server() {
  export SIO_E2E_API=1
  local port="${E2E_PORT:-$(free_port)}" out="$WORK/server.out"
  log "starting: $SERVER_CMD ${E2E_FLAGS:-} --host 127.0.0.1 --port $port"
  # eval: SERVER_CMD may hold quoted paths (node "/a b/server.js")
  (eval "exec $SERVER_CMD ${E2E_FLAGS:-} --host 127.0.0.1 --port $port") >"$out" 2>"$WORK/server.err" </dev/null &
  SERVER_PID=$!
  local deadline=$((SECONDS + START_TIMEOUT_S))
  until grep -q '^listening on http://' "$out"; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      cat "$WORK/server.err" >&2
      SERVER_PID=""
      die "the server exited before it was listening"
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "no 'listening on' line within ${START_TIMEOUT_S} s"
    sleep 0.1
  done
  SIO_URL="$(sed -n 's/^listening on \(http:\/\/[^[:space:]]*\).*/\1/p' "$out" | head -n 1)"
  export SIO_URL
  log "server listening on $SIO_URL"
}

# Adds the counts of a finished suite: $1 passed, $2 failed, $3 its status.
count() {
  PASSED=$((PASSED + ${1:-0}))
  FAILED=$((FAILED + ${2:-0}))
  if [ "$3" -ne 0 ] && [ "${2:-0}" -eq 0 ]; then FAILED=$((FAILED + 1)); fi
}

# Runs the node test files of tests/js/$1 and counts their results.
run_node_suite() {
  local dir="$ROOT/tests/js" suite="$1" status=0 tap="$WORK/$1.tap"
  [ -d "$dir/node_modules" ] || die "tests/js/node_modules is missing: run 'npm ci' in tests/js"
  local files=("$dir/$suite"/*.test.mjs)
  [ -e "${files[0]}" ] || die "no test files in tests/js/$suite"
  # spec report on stdout for people, TAP in a file for the counts
  (cd "$dir" && node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "${files[@]}") || status=$?
  count "$(sed -n 's/^# pass //p' "$tap" | tail -n 1)" "$(sed -n 's/^# fail //p' "$tap" | tail -n 1)" "$status"
  return "$status"
}

run_python_suite() {
  local python="${PYTHON:-}" status=0 out="$WORK/python.out"
  if [ -z "$python" ]; then
    python="$ROOT/tests/python/.venv/bin/python"
    [ -x "$python" ] || python=python3
  fi
  (cd "$ROOT/tests/python" && "$python" -m pytest -q -p no:cacheprovider .) | tee "$out" || status=$?
  # pytest's last line: "N failed, N passed, N error in Ts" (any subset)
  local summary
  summary="$(grep -E '[0-9]+ (passed|failed|errors?)' "$out" | tail -n 1 || true)"
  count "$(awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^passed/) n += $(i - 1) } END { print n + 0 }' <<<"$summary")" \
    "$(awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^(failed|error)/) n += $(i - 1) } END { print n + 0 }' <<<"$summary")" \
    "$status"
  return "$status"
}

# Runs the JavaScript suite $1 against a server of its own, started with
# the extra flags $2 and stopped when the suite is done; $3 is added to the
# error when that server does not start. Fails when that server does not
# exit with status 0 on SIGTERM.
run_with_own_server() {
  local suite="$1" flags="$2" hint="${3:-}"
  local port out="$WORK/$suite.out" err="$WORK/$suite.err" status=0 url deadline rc=0
  port="$(free_port)"
  (eval "exec $SERVER_CMD ${E2E_FLAGS:-} $flags --host 127.0.0.1 --port $port") >"$out" 2>"$err" </dev/null &
  EXTRA_PID=$!
  deadline=$((SECONDS + START_TIMEOUT_S))
  until grep -q '^listening on http://' "$out"; do
    if ! kill -0 "$EXTRA_PID" 2>/dev/null; then
      EXTRA_PID=""
      cat "$err" >&2
      die "the server for $suite ($flags) exited before it was listening$hint"
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "no 'listening on' line from the server for $suite ($flags)"
    sleep 0.1
  done
  url="$(sed -n 's/^listening on \(http:\/\/[^[:space:]]*\).*/\1/p' "$out" | head -n 1)"
  SIO_URL="$url" run_node_suite "$suite" || status=$?
  kill -TERM "$EXTRA_PID" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$EXTRA_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$EXTRA_PID" 2>/dev/null || true
  wait "$EXTRA_PID" 2>/dev/null || rc=$?
  EXTRA_PID=""
  if [ "$rc" -ne 0 ]; then
    log "the server for $suite ($flags) exited with status $rc"
    tail -n 40 "$err" >&2
    status=1
  fi
  return "$status"
}

# tests/js/recovery, against a server started with --recovery.
run_recovery_suite() {
  run_with_own_server recovery "--recovery"
}

# tests/js/deflate, against a server started with --deflate.
run_deflate_suite() {
  run_with_own_server deflate "--deflate"
}

# tests/js/flood, against a server started with --flood-limit.
run_flood_suite() {
  run_with_own_server flood "--flood-limit"
}

# tests/js/cluster, against a server started with --redis (the suite starts
# the Node server of the cluster itself), then tests/js/cluster-admin (the
# Admin UI across that cluster) against one started with --admin-ui too.
run_cluster_suite() {
  local status=0
  REDIS_URL="$REDIS_URL" SIO_NODE_NAME=rust-1 \
    run_with_own_server cluster "--redis '$REDIS_URL' --node-name rust-1" \
    " (is Redis at $REDIS_URL running?)" || status=$?
  REDIS_URL="$REDIS_URL" SIO_NODE_NAME=rust-1 \
    run_with_own_server cluster-admin "--redis '$REDIS_URL' --admin-ui --node-name rust-1" \
    " (is Redis at $REDIS_URL running?)" || status=$?
  return "$status"
}

# tests/js/cluster on the Redis Streams adapter, then tests/js/cluster-streams
# (recovery from a Node server to a Rust one and back) against a server
# started with --recovery too.
run_cluster_streams_suite() {
  local status=0
  CLUSTER_ADAPTER=streams REDIS_URL="$REDIS_URL" SIO_NODE_NAME=rust-1 \
    run_with_own_server cluster "--redis-streams '$REDIS_URL' --node-name rust-1" \
    " (is Redis at $REDIS_URL running?)" || status=$?
  REDIS_URL="$REDIS_URL" SIO_NODE_NAME=rust-1 \
    run_with_own_server cluster-streams "--redis-streams '$REDIS_URL' --recovery --node-name rust-1" \
    " (is Redis at $REDIS_URL running?)" || status=$?
  return "$status"
}

# tests/js/cluster with the sharded adapter on REDIS_URL.
run_cluster_sharded_suite() {
  REDIS_URL="$REDIS_URL" SIO_NODE_NAME=rust-1 CLUSTER_ADAPTER=sharded \
    run_with_own_server cluster "--redis-sharded '$REDIS_URL' --node-name rust-1" \
    " (is Redis 7 at $REDIS_URL running?)"
}

# The Redis Cluster of cluster-sharded-rc: pids and ports of its masters.
RC_PIDS=()
RC_PORTS=()

stop_redis_cluster() {
  local pid
  for pid in "${RC_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${RC_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  RC_PIDS=()
}

# Starts three cluster-enabled redis-servers on free ports in $WORK/rc and
# joins them into one cluster (no replicas); waits for cluster_state:ok.
start_redis_cluster() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null \
    || { log "redis-server and redis-cli are needed for cluster-sharded-rc"; return 1; }
  local dir="$WORK/rc" port nodes=()
  mkdir -p "$dir"
  for _ in 1 2 3; do
    # the cluster bus listens on port + 10000
    port="$(node -e 'const net = require("net");
      const pick = () => { const s = net.createServer(); s.listen(0, "127.0.0.1", () => {
        const p = s.address().port; s.close();
        if (p >= 55000) return pick();
        const bus = net.createServer(); bus.once("error", pick);
        bus.listen(p + 10000, "127.0.0.1", () => { bus.close(); console.log(p); }); }); };
      pick();')"
    mkdir -p "$dir/$port"
    (cd "$dir/$port" && exec redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
      --cluster-config-file "nodes-$port.conf" --cluster-node-timeout 2000 --save "" \
      --appendonly no --daemonize no) >"$dir/$port/log" 2>&1 </dev/null &
    RC_PIDS+=("$!")
    RC_PORTS+=("$port")
    nodes+=("127.0.0.1:$port")
  done
  for port in "${RC_PORTS[@]}"; do
    local deadline=$((SECONDS + 10))
    until redis-cli -p "$port" ping >/dev/null 2>&1; do
      [ "$SECONDS" -lt "$deadline" ] || { log "redis-server on $port did not start"; return 1; }
      sleep 0.1
    done
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 \
    || { cat "$dir/create.log" >&2; return 1; }
  local deadline=$((SECONDS + 30)) ok
  for port in "${RC_PORTS[@]}"; do
    until redis-cli -p "$port" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; do
      [ "$SECONDS" -lt "$deadline" ] || { log "the Redis Cluster is not ok"; return 1; }
      sleep 0.2
    done
  done
  log "redis cluster ok on ports ${RC_PORTS[*]}"
}

# tests/js/cluster with the sharded adapter on a Redis Cluster of its own.
run_cluster_sharded_rc_suite() {
  local status=0 urls
  start_redis_cluster || { stop_redis_cluster; count 0 1 1; return 1; }
  urls="$(printf 'redis://127.0.0.1:%s,' "${RC_PORTS[@]}")"
  REDIS_URL="redis://127.0.0.1:${RC_PORTS[0]}" CLUSTER_NODES="${urls%,}" SIO_NODE_NAME=rust-1 \
    CLUSTER_ADAPTER=sharded run_with_own_server cluster \
    "--redis-sharded 'redis://127.0.0.1:${RC_PORTS[0]}' --node-name rust-1" || status=$?
  stop_redis_cluster
  RC_PORTS=()
  return "$status"
}

# tests/js/cluster again, both servers on the Postgres adapter.
run_cluster_postgres_suite() {
  CLUSTER_ADAPTER=postgres POSTGRES_URL="$POSTGRES_URL" SIO_NODE_NAME=rust-1 \
    run_with_own_server cluster "--postgres '$POSTGRES_URL' --node-name rust-1" \
    " (is PostgreSQL at $POSTGRES_URL running?)"
}

run_suite() {
  log "suite $1"
  case "$1" in
    engine | socketio) run_node_suite "$1" ;;
    python) run_python_suite ;;
    recovery) run_recovery_suite ;;
    deflate) run_deflate_suite ;;
    flood) run_flood_suite ;;
    cluster) run_cluster_suite ;;
    cluster-sharded) run_cluster_sharded_suite ;;
    cluster-sharded-rc) run_cluster_sharded_rc_suite ;;
    cluster-streams) run_cluster_streams_suite ;;
    cluster-postgres) run_cluster_postgres_suite ;;
    *) die "unknown suite: $1 (engine, socketio, python, recovery, cluster, cluster-sharded, cluster-sharded-rc, cluster-streams, cluster-postgres, deflate, flood)" ;;
  esac
}

main() {
  start_server
  local suite
  for suite in $E2E_SUITES; do
    run_suite "$suite" || FAILED_SUITES+=("$suite")
  done
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    log "the server died while the suites ran"
    FAILED_SUITES+=("server-died")
  fi
  stop_server
  if [ "$SERVER_STATUS" -ne 0 ]; then
    log "the server exited with status $SERVER_STATUS (the contract says 0 on SIGTERM)"
    FAILED_SUITES+=("server-exit")
    FAILED=$((FAILED + 1))
  fi
  if [ "${#FAILED_SUITES[@]}" -gt 0 ]; then
    log "the server's stderr (last 40 lines):"
    tail -n 40 "$WORK/server.err" >&2
    log "failed: ${FAILED_SUITES[*]}"
  fi
  echo "e2e: $PASSED passed, $FAILED failed"
  [ "${#FAILED_SUITES[@]}" -eq 0 ]
}

main "$@"
