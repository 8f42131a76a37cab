#!/usr/bin/env bash
# Crash safety: kill -9 the server at random moments while publishes are in
# flight, many times over one data directory.  Afterwards every publish the
# server acknowledged must be present, and `osp store verify` must find no
# corrupt, partial or dangling blob.
#   crash.sh OSP [ITERATIONS]   (default 200; OSP_CRASH_ITERATIONS overrides)
set -euo pipefail
OSP=$1
ITER=${OSP_CRASH_ITERATIONS:-${2:-200}}
work=$(mktemp -d /tmp/osp-crash.XXXXXX)
server=
cleanup() {
  [ -n "$server" ] && kill -9 "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$work"
port=$(( 20000 + $$ % 20000 ))
app=127.0.0.1:$port
data=$work/data

"$OSP" keygen -o k --no-password >/dev/null
token=$("$OSP" publisher add crash --key k.pub -d "$data" 2>/dev/null)

# Bundles with enough compressible text that publishing takes a while
# (blobs, brotli variants, fsyncs): kills land in the middle of it.
mkdir src
for f in 1 2 3 4; do
  for i in $(seq 300); do echo "export const line$i = 'file $f line $i of a plugin';"; done > src/part$f.js
done
echo '<!doctype html><script src="part1.js"></script>' > src/index.html
for i in $(seq 0 "$ITER"); do
  sed "s/@VERSION@/1.0.$i/" > src/osplugin.json <<'JSON'
{"format": 1, "id": "crash.test", "name": "Crash test", "version": "@VERSION@",
 "publisher": "crash", "runtime": "ui", "engines": {"osp-ui": "^1"},
 "contributes": {"widgets": [{"id": "w", "title": "W", "entry": "index.html"}]}}
JSON
  echo "// build $i" >> src/part4.js
  "$OSP" pack src -k k.key -o "b$i.osplugin" >/dev/null
done

start_server() {
  "$OSP" serve --app "$app" --plugin 127.0.0.1:$((port + 1)) -d "$data" --threads 4 \
    2>>serve.log &
  server=$!
  for _ in $(seq 200); do
    curl -sf "http://$app/healthz" >/dev/null 2>&1 && return 0
    sleep 0.01
  done
  fail "server did not start: $(tail -3 serve.log)"
}

publish() { # publish N: prints the HTTP status (000 if the server died)
  curl -s -o /dev/null -w '%{http_code}' -X POST --max-time 10 \
    -H "Authorization: Bearer $token" -H "Content-Type: application/vnd.osp.plugin" \
    --data-binary "@b$1.osplugin" "http://$app/api/v1/plugins" || true
}

acked=()
kills=0
for i in $(seq 0 $((ITER - 1))); do
  start_server
  (publish "$i" > "status$i") &
  client=$!
  # Kill somewhere between before the upload and after the commit.
  sleep "$(printf '0.%03d' $(( RANDOM % 150 )))"
  kill -9 "$server" 2>/dev/null && kills=$((kills + 1))
  wait "$server" 2>/dev/null || true
  server=
  wait "$client" || true
  status=$(cat "status$i")
  if [ "$status" = 201 ] || [ "$status" = 200 ]; then acked+=("1.0.$i"); fi
done

# Everything acknowledged is there; the store is whole.
start_server
listed=$(curl -sf "http://$app/api/v1/plugins/crash.test" || echo '{}')
for v in "${acked[@]}"; do
  grep -q "\"version\":\"$v\"" <<<"$listed" || fail "acknowledged publish $v is missing"
done
kill -TERM "$server"; wait "$server" || true; server=
report=$("$OSP" store verify -d "$data" --json) || fail "store verify failed: $report"
for field in corrupt dangling unexpected; do
  grep -q "\"$field\": 0" <<<"$report" || fail "store verify found $field blobs: $report"
done
"$OSP" store verify -d "$data" --repair >/dev/null
# Captured first: grep -q stops reading at its match, and a long report
# (many unreferenced blobs) would then die of SIGPIPE and fail the pipe.
after=$("$OSP" store verify -d "$data" --json) || true
grep -q '"temporary": 0' <<<"$after" || fail "repair left temporary files"
echo "crash: $ITER kills over publishes, ${#acked[@]} acknowledged, all present; store verified"
echo "crash: $(grep -o '"unreferenced": [0-9]*' <<<"$report") (blobs of publishes that never committed)"
