#!/usr/bin/env bash
# osp serve as a user runs it: publisher add, publish (good, tampered,
# unauthorised), install, the headers curl sees on a plugin asset, and a
# clean stop on SIGTERM.
OSP=$1 PLUGIN=$2
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d /tmp/osp-cli-test.XXXXXX)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

"$OSP" keygen -o demo --no-password >/dev/null
"$OSP" pack "$PLUGIN" -k demo.key -o a.osplugin >/dev/null
mkdir x && brotli -dc a.osplugin | tar -x -C x
sed -i 's/Contacts at a glance/Kontacts at a glance/' x/osplugin.json
(cd x && tar --format=ustar -cf - osplugin.json osplugin.json.minisig widget.css widget.html widget.js) \
  | brotli -c > tampered.osplugin
digest=$(sed -n 's/.*digest=\([0-9a-f]\{64\}\).*/\1/p' x/osplugin.json.minisig)

# A real server on free loopback ports.
data="$work/data"
serve_start -d "$data"

token=$("$OSP" publisher add demo --key demo.pub -d "$data" 2>/dev/null)
[[ $token == ospt_* ]] || fail "publisher add prints a token"
export OSP_SERVER="http://127.0.0.1:$port"
expect_fail signature_invalid "$OSP" publish tampered.osplugin --token "$token"
expect_fail unauthorized "$OSP" publish a.osplugin --token ospt_0000
[ -z "$(find "$data/blobs" -type f)" ] || fail "a refused publish stored blobs"
"$OSP" publish a.osplugin --token "$token" | has "published demo.contacts 1.0.0" \
  || fail "publish"
OSP_PUBLISH_TOKEN=$token "$OSP" publish a.osplugin | has "already published" \
  || fail "re-publish is idempotent"
expect_fail permission_denied "$OSP" install demo.contacts --grant data.write:contact -d "$data"
"$OSP" install demo.contacts --grant data.read:contact -d "$data" | has "installed" \
  || fail "install"
# Grants given and changed from the command line are audited like the API's.
"$OSP" install demo.contacts -d "$data" | has 'with grants \[\]' || fail "re-install with no grants"
audit=$("$OSP" audit --plugin demo.contacts --json -d "$data")
[ "$(grep -c '"action": "installation.install"' <<<"$audit")" = 1 ] || fail "install audited: $audit"
grep -q '"action": "installation.change"' <<<"$audit" || fail "grant change audited: $audit"
grep -q '"actor": "cli:' <<<"$audit" || fail "audit names the CLI user: $audit"
tr -d ' \n' <<<"$audit" | has '"grants":\[\],"previous_grants":\["data.read:contact"\]' \
  || fail "audit shows the grants before and after: $audit"
"$OSP" install demo.contacts --grant data.read:contact -d "$data" >/dev/null || fail "install again"

headers=$(curl -sI "http://127.0.0.1:$((port + 1))/ext-ui/demo.contacts/$digest/widget.html")
grep -qi "^content-security-policy: default-src 'none';.*frame-ancestors http://127.0.0.1:$port;" <<<"$headers" \
  || fail "CSP header: $headers"
grep -qi "^cache-control: public, max-age=31536000, immutable" <<<"$headers" || fail "cache header"
grep -qi '^etag: "[0-9a-f]\{64\}"' <<<"$headers" || fail "etag"
grep -qi "^x-content-type-options: nosniff" <<<"$headers" || fail "nosniff"

# SIGTERM: clean stop.
kill -TERM "$server_pid"
wait "$server_pid" || fail "serve exits 0 on SIGTERM"
server_pid=
grep -q "stopped" "$work/serve.log" || fail "serve logs its stop"

# The plugin listener's settings, from a flag, the environment and a file.
set +e
out=$("$OSP" serve --plugin-workers 65 -d "$data" 2>&1); rc=$?
set -e
[ $rc = 2 ] && has "plugin_workers takes a number from 0 to 64" <<<"$out" || fail "workers bound: $out"
printf '{"plugin_connections": 1}\n' >"$work/serve.json"
: >"$work/serve.log"
OSP_PLUGIN_WORKERS=1 serve_start -d "$data" -c "$work/serve.json"
has "1 event-loop worker, 1 connections at most" "$work/serve.log" || fail "startup line: $(cat "$work/serve.log")"
plugin=http://127.0.0.1:$((port + 1))
exec 3<>"/dev/tcp/127.0.0.1/$((port + 1))" # holds the one connection
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$plugin/ext-ui/demo.contacts/$digest/widget.js" || true)
[ "$code" = 000 ] || fail "a connection over plugin_connections was answered ($code)"
exec 3>&-
code=000
for _ in $(seq 50); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$plugin/ext-ui/demo.contacts/$digest/widget.js" || true)
  [ "$code" = 200 ] && break
  sleep 0.1
done
[ "$code" = 200 ] || fail "the freed place is not taken again ($code)"
kill -TERM "$server_pid"
wait "$server_pid" || fail "serve exits 0 on SIGTERM"
server_pid=
echo "cli roundtrip: ok"
