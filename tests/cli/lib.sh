# Shared helpers for the CLI tests (sourced).
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
# CMD | has PATTERN...: grep -q that reads all its input.  grep -q exits at
# the first match, and under pipefail the SIGPIPE a still-writing CMD then
# gets would fail the pipeline now and then.
has() { grep "$@" >/dev/null; }
# expect_fail CODE CMD...: the command fails and reports "osp: CODE:".
expect_fail() {
  local code=$1; shift
  local out
  if out=$("$@" 2>&1); then fail "'$*' succeeded"; fi
  grep -q "osp: $code:" <<<"$out" || fail "'$*' did not report $code: $out"
}
# serve_start ARGS...: starts `$OSP serve` on free loopback ports with ARGS,
# its stderr appended to $work/serve.log, and returns once it says it is
# ready.  Sets port (the app's; plugins on port+1), app (its URL) and
# server_pid.  A port someone else holds makes the server exit at once; then
# it tries other ports.  With serve_port set it uses only that one (a
# restart on the same address).
serve_start() {
  local attempt ready
  for attempt in 1 2 3 4 5 6; do
    port=${serve_port:-$(( 20000 + RANDOM % 30000 ))}
    app=http://127.0.0.1:$port
    touch "$work/serve.log"
    ready=$(grep -c 'osp serve: ready' "$work/serve.log" || true)
    "$OSP" serve --app 127.0.0.1:$port --plugin 127.0.0.1:$((port + 1)) "$@" 2>>"$work/serve.log" &
    server_pid=$!
    # "ready" comes once both listeners are bound; a healthz answer before
    # that could come from another test's server on the same port.
    for _ in $(seq 600); do
      [ "$(grep -c 'osp serve: ready' "$work/serve.log" || true)" -gt "$ready" ] && return 0
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.05
    done
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    [ -z "${serve_port:-}" ] || break
  done
  cat "$work/serve.log" >&2
  fail "osp serve did not start"
}
