#!/usr/bin/env bash
# The registry and store from an operator's seat, against a real server:
# `osp list` and `osp show` (text and --json: versions, digests, trust,
# installations, grants, revocations), a graceful stop on SIGTERM while an
# upload is still arriving, and `osp store verify` finding, quarantining
# and cleaning up what a damaged store holds.
#   registry.sh OSP SAMPLE_PLUGIN
OSP=$1 PLUGIN=$2
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d /tmp/osp-cli-registry.XXXXXX)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
data=$work/data
start_server() { serve_start -d "$data" --threads 4; }

"$OSP" keygen -o demo --no-password >/dev/null
version() { # version V [PAD_KB]: a packed bundle of the sample plugin at version V
  rm -rf "src-$1" && cp -r "$PLUGIN" "src-$1"
  sed -i "s/\"version\": \"1.0.0\"/\"version\": \"$1\"/" "src-$1/osplugin.json"
  # Incompressible padding appended to the script, to make a slow upload.
  if [ -n "${2:-}" ]; then head -c "$(($2 * 1024))" /dev/urandom | base64 -w0 | sed 's/^/\/\/ /' >> "src-$1/widget.js"; fi
  "$OSP" pack "src-$1" -k demo.key -o "v$1.osplugin" >/dev/null
}
version 1.0.0
version 1.1.0
version 1.2.0 96

start_server
token=$("$OSP" publisher add demo --key demo.pub -d "$data" 2>/dev/null)
export OSP_SERVER=$app
"$OSP" publish v1.0.0.osplugin --token "$token" >/dev/null || fail "publish 1.0.0"
"$OSP" publish v1.1.0.osplugin --token "$token" >/dev/null || fail "publish 1.1.0"
"$OSP" install demo.contacts --grant data.read:contact -d "$data" >/dev/null || fail "install"

# ---- list and show: what is there, without running any plugin code --------
out=$("$OSP" list -d "$data")
grep -q "^demo.contacts *1.1.0 *demo *2 " <<<"$out" || fail "list: $out"
"$OSP" list contacts -d "$data" --json | grep -q '"id": "demo.contacts"' || fail "list --json"
"$OSP" list nothing-like-this -d "$data" | grep -q "(no plugins)" || fail "list with no match"
out=$("$OSP" show demo.contacts -d "$data")
grep -q "^demo.contacts, published by demo" <<<"$out" || fail "show title: $out"
grep -Eq "^  1\.0\.0 +sha256:[0-9a-f]{16}… +key [0-9A-F]{16} +published [0-9]+ +trusted" <<<"$out" \
  || fail "show versions: $out"
grep -Eq "^  tenant default +1\.1\.0 +enabled +grants \[\"data.read:contact\"\]" <<<"$out" \
  || fail "show installation and grants: $out"
grep -Eq "^  [0-9A-F]{16}  active" <<<"$out" || fail "show keys: $out"
json=$("$OSP" show demo.contacts -d "$data" --json)
[ "$(grep -c '"digest": "[0-9a-f]\{64\}"' <<<"$json")" = 2 ] || fail "show --json digests: $json"
grep -q '"revoked": false' <<<"$json" || fail "show --json revoked flag"
expect_fail not_found "$OSP" show demo.nothing -d "$data"

# A revocation shows up in both.
admin=$("$OSP" admin-token add ops -d "$data" 2>/dev/null | tail -1)
curl -sf -X POST -H "Authorization: Bearer $admin" \
  "$app/api/v1/admin/plugins/demo.contacts/versions/1.0.0/revoke" >/dev/null || fail "revoke"
"$OSP" show demo.contacts -d "$data" | grep -Eq "^  1\.0\.0 .*revoked" || fail "show revoked"
"$OSP" show demo.contacts -d "$data" --json | grep -q '"revoked": true' || fail "show --json revoked"

# ---- SIGTERM while an upload is still arriving: it finishes, then the stop -----
# About 130 KB at 40 KB/s: SIGTERM lands a second into the upload.
curl -s -o pub.json -w '%{http_code}' --limit-rate 40k -X POST \
  -H "Authorization: Bearer $token" -H "Content-Type: application/vnd.osp.plugin" \
  --data-binary @v1.2.0.osplugin "$app/api/v1/plugins" > pub.status &
client=$!
sleep 1
kill -TERM "$server_pid"
sleep 0.3
# New requests while draining are refused (503), not served half-way.
code=$(curl -s -o late.json -w '%{http_code}' --max-time 5 "$app/healthz" || true)
[ "$code" = 503 ] || [ "$code" = 000 ] || fail "a request after SIGTERM got $code"
wait "$client" || true
wait "$server_pid" || fail "serve exits 0 on SIGTERM"
server_pid=
[ "$(cat pub.status)" = 201 ] || fail "the in-flight publish got $(cat pub.status): $(cat pub.json)"
grep -q "stopped" "$work/serve.log" || fail "serve logs its stop"
"$OSP" show demo.contacts -d "$data" | grep -q "^  1\.2\.0 " || fail "the acknowledged publish is there"

# ---- store verify: a whole store, then a damaged one ---------------------------
report=$("$OSP" store verify -d "$data" --json) || fail "store verify on a whole store: $report"
grep -q '"corrupt": 0' <<<"$report" || fail "corrupt in a whole store: $report"
blob=$(find "$data/blobs" -type f | head -1)
name=$(basename "$(dirname "$blob")")$(basename "$blob") # the full hex
printf 'x' | dd of="$blob" bs=1 seek=0 conv=notrunc status=none
touch "$data/blobs/sha256/ab/abcdef.tmp.12345" 2>/dev/null || { mkdir -p "$data/blobs/sha256/ab" && touch "$data/blobs/sha256/ab/abcdef.tmp.12345"; }
if report=$("$OSP" store verify -d "$data" --json); then fail "store verify passes a corrupt blob"; fi
grep -q '"corrupt": 1' <<<"$report" || fail "corrupt blob not reported: $report"
grep -q '"temporary": 1' <<<"$report" || fail "temporary file not reported: $report"
[ -f "$blob" ] || fail "verify without --repair moved the blob"
"$OSP" store verify -d "$data" --repair >/dev/null 2>&1 || true
[ ! -e "$blob" ] || fail "--repair left the corrupt blob in place"
ls "$data/quarantine/" | grep -q "^$name\." || fail "--repair did not quarantine it: $(ls "$data/quarantine" 2>&1)"
[ ! -e "$data/blobs/sha256/ab/abcdef.tmp.12345" ] || fail "--repair left a temporary file"
report=$("$OSP" store verify -d "$data" --json || true)
grep -q '"corrupt": 0' <<<"$report" || fail "still corrupt after repair: $report"
grep -q '"dangling": [1-9]' <<<"$report" || fail "the quarantined blob is not reported missing: $report"
echo "cli registry: ok"
