#!/usr/bin/env bash
# Keys, packing, signing, checking and inspecting bundles as a user does,
# including interoperability with Debian's minisign in both directions.
#   bundles.sh OSP SAMPLE_PLUGIN BROKEN_PLUGIN
OSP=$1 PLUGIN=$2 BROKEN=$3
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d /tmp/osp-cli-bundles.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

# help documents every verb and its flags.
"$OSP" help | has "osp check DIR|FILE" || fail "help lists check"
"$OSP" help pack | has -- "--key KEY" || fail "help pack lists --key"
"$OSP" pack --help | has "usage: osp pack" || fail "--help works after a verb"
if "$OSP" frobnicate 2>/dev/null; then fail "unknown verb accepted"; fi

# keygen: 0600 secret key, never overwritten without --force.
"$OSP" keygen -o demo --no-password >/dev/null
[ "$(stat -c %a demo.key)" = 600 ] || fail "secret key mode is $(stat -c %a demo.key)"
expect_fail conflict "$OSP" keygen -o demo --no-password
OSP_KEY_PASSWORD=hunter2 "$OSP" keygen -o locked >/dev/null
[ "$(stat -c %a locked.key)" = 600 ] || fail "locked key mode"
"$OSP" keygen -o other --no-password >/dev/null
expect_fail invalid_argument "$OSP" keygen -o nopass </dev/null

# pack is deterministic; verify accepts the right key only.
"$OSP" pack "$PLUGIN" -k demo.key -o a.osplugin >/dev/null
"$OSP" pack "$PLUGIN" -k demo.key -o b.osplugin >/dev/null
cmp -s a.osplugin b.osplugin || fail "pack is not deterministic"
"$OSP" verify a.osplugin -p demo.pub | has "OK" || fail "verify with the right key"
expect_fail unknown_key_id "$OSP" verify a.osplugin -p other.pub
"$OSP" verify a.osplugin -p other.pub -p demo.pub >/dev/null || fail "any trusted key will do"
expect_fail wrong_password env OSP_KEY_PASSWORD=nope "$OSP" pack "$PLUGIN" -k locked.key -o c.osplugin
OSP_KEY_PASSWORD=hunter2 "$OSP" pack "$PLUGIN" -k locked.key -o c.osplugin >/dev/null
"$OSP" verify c.osplugin -p locked.pub >/dev/null || fail "password-protected key signs"

# The archive is plain brotli + ustar; minisign accepts osp's signature,
# and minisign signs with osp's keys (with and without a password).
mkdir x && brotli -dc a.osplugin | tar -x -C x
minisign -Vm x/osplugin.json -x x/osplugin.json.minisig -p demo.pub >/dev/null \
  || fail "minisign rejects an osp signature"
grep -q "trusted comment: id=demo.contacts version=1.0.0 digest=" x/osplugin.json.minisig \
  || fail "trusted comment binds id, version and digest"
echo data > f.txt
minisign -S -s demo.key -m f.txt -t t >/dev/null && minisign -Vm f.txt -p demo.pub >/dev/null \
  || fail "minisign signs with an osp key"
printf 'hunter2\n' | minisign -S -s locked.key -m f.txt -t t >/dev/null 2>&1 \
  && minisign -Vm f.txt -p locked.pub >/dev/null || fail "minisign opens an osp password key"

# A bundle signed by minisign -S with its own key verifies in osp.
minisign -G -W -p ms.pub -s ms.key >/dev/null
"$OSP" pack "$PLUGIN" -o u.osplugin | has unsigned || fail "unsigned pack"
expect_fail signature_malformed "$OSP" verify u.osplugin -p ms.pub
"$OSP" inspect u.osplugin --manifest > osplugin.json
cmp -s osplugin.json x/osplugin.json || fail "inspect --manifest prints the exact bytes"
minisign -S -s ms.key -m osplugin.json -t "$("$OSP" inspect u.osplugin --trusted-comment)" >/dev/null
"$OSP" sign u.osplugin --minisig osplugin.json.minisig | has signed || fail "attach"
"$OSP" verify u.osplugin -p ms.pub | has OK || fail "minisign-made signature verifies"
minisign -S -s ms.key -m osplugin.json -t "timestamp:1 file:osplugin.json" -x wrong.minisig >/dev/null
expect_fail signature_binding "$OSP" sign u.osplugin --minisig wrong.minisig -o w.osplugin
# osp reads minisign's own key files too (a password one: scrypt).
"$OSP" pack "$PLUGIN" -k ms.key -o m.osplugin >/dev/null && "$OSP" verify m.osplugin -p ms.pub >/dev/null \
  || fail "osp signs with a minisign key"
printf 'pw\npw\n' | minisign -G -p msp.pub -s msp.key >/dev/null 2>&1
OSP_KEY_PASSWORD=pw "$OSP" pack "$PLUGIN" -k msp.key -o mp.osplugin >/dev/null \
  && "$OSP" verify mp.osplugin -p msp.pub >/dev/null || fail "osp opens a minisign password key"

# One byte changed after signing is refused, by name.
sed -i 's/Contacts at a glance/Kontacts at a glance/' x/osplugin.json
(cd x && tar --format=ustar -cf - osplugin.json osplugin.json.minisig widget.css widget.html widget.js) \
  | brotli -c > tampered.osplugin
expect_fail signature_invalid "$OSP" verify tampered.osplugin -p demo.pub
out=$("$OSP" check tampered.osplugin 2>&1) && fail "check passes a tampered bundle"
grep -q "digest_mismatch: osplugin.json.minisig" <<<"$out" || fail "check names the binding: $out"

# inspect: plain words, signer, files.
"$OSP" inspect a.osplugin > summary.txt
grep -q "^demo.contacts 1.0.0 — Contacts at a glance" summary.txt || fail "inspect title"
grep -q "data.read:contact *read contact records you can see" summary.txt || fail "inspect perms"
grep -q "signed by   key [0-9A-F]\{16\} (prehashed Ed25519)" summary.txt || fail "inspect signer"
grep -q "widget.js" summary.txt || fail "inspect files"
"$OSP" inspect a.osplugin --json | has '"means": "show notifications"' || fail "inspect --json"

# check reports every problem of a broken plugin with code, pointer, hint.
out=$("$OSP" check "$BROKEN" 2>&1) && fail "check passes a broken plugin"
for line in \
  "unknown_key: osplugin.json#/nmae: unknown key \"nmae\"" \
  "hint: did you mean \"name\"" \
  "bad_id: osplugin.json#/id:" \
  "bad_version: osplugin.json#/version:" \
  "unsupported_runtime: osplugin.json#/runtime:" \
  "incompatible_engines: osplugin.json#/engines/osp-ui:" \
  "bad_permission: osplugin.json#/permissions/rpc/0: permission data.raed:contact unknown" \
  "hint: did you mean data.read:contact" \
  "bad_origin: osplugin.json#/permissions/connect/0:" \
  "missing_file: board.html: entry of contribution \"board\" does not exist" \
  "secret_file: .env:" \
  "secret_file: deploy.pem:" \
  "10 problems in"; do
  grep -qF "$line" <<<"$out" || fail "check output lacks: $line
$out"
done
[ "$("$OSP" check "$BROKEN" --json 2>/dev/null | grep -c '"code"')" = 10 ] || fail "check --json"
expect_fail secret_file "$OSP" pack "$BROKEN"
"$OSP" check "$PLUGIN" | has "no problems found" || fail "check a good plugin"
"$OSP" check a.osplugin -p demo.pub | has "no problems found" || fail "check a good bundle"

# The trust store: rotate, retire, revoke.
data=$work/data
"$OSP" publisher add demo --key demo.pub -d "$data" >/dev/null 2>&1
"$OSP" verify a.osplugin --trust "$data" | has OK || fail "verify --trust"
"$OSP" publisher key-add demo --key other.pub -d "$data" >/dev/null
expect_fail conflict "$OSP" publisher key-add demo --key other.pub -d "$data"
demo_id=$(sed -n 's/.*public key \([0-9A-F]\{16\}\)$/\1/p' demo.pub)
"$OSP" publisher key-retire demo "$demo_id" -d "$data" >/dev/null
expect_fail key_retired "$OSP" verify a.osplugin --trust "$data"
"$OSP" pack "$PLUGIN" -k other.key -o n.osplugin >/dev/null
"$OSP" verify n.osplugin --trust "$data" | has OK || fail "the new key signs"
other_id=$(sed -n 's/.*public key \([0-9A-F]\{16\}\)$/\1/p' other.pub)
"$OSP" publisher key-revoke demo "$other_id" -d "$data" >/dev/null
expect_fail key_revoked "$OSP" verify n.osplugin --trust "$data"
"$OSP" publisher list -d "$data" | has "key $other_id  revoked" || fail "list shows revocation"
expect_fail not_found "$OSP" publisher key-revoke nobody "$other_id" -d "$data"
expect_fail not_found "$OSP" verify a.osplugin --trust "$work/nowhere"
echo "cli bundles: ok"
