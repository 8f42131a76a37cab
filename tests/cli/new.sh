#!/usr/bin/env bash
# osp new: each template scaffolds a plugin that passes osp check and packs,
# with the SDK tag this host serves, the SDK's types, a README and a test;
# bad names, unknown templates and non-empty directories are refused with
# stable codes and change nothing.  Also osp dev's refusal of a directory
# without a manifest, and osp publish's token sources and plain-words
# refusals.
OSP=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
work=$(mktemp -d /tmp/osp-cli-new.XXXXXX)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
export HOME="$work" # no publish config of the machine's user

tag=$("$OSP" sdk-tag)
for t in widget field view; do
  "$OSP" new "p-$t" --template "$t" >out.txt || fail "new --template $t"
  grep -q "created p-$t/" out.txt || fail "new $t says what it created"
  for f in README.md jsconfig.json package.json playwright.config.js tests/plugin.spec.js \
           types/osp.d.ts plugin/osplugin.json plugin/style.css; do
    [ -f "p-$t/$f" ] || fail "$t: no $f"
  done
  cmp -s "p-$t/types/osp.d.ts" "$here/../../shell/sdk/v1/osp.d.ts" || fail "$t: osp.d.ts differs"
  grep -rq '@@' "p-$t" && fail "$t: a placeholder was left"
  grep -qF "$tag" p-$t/plugin/*.html || fail "$t: the page lacks the pinned SDK tag"
  grep -q "\"id\": \"acme.p-$t\"" "p-$t/plugin/osplugin.json" || fail "$t: id"
  "$OSP" check "p-$t/plugin" >/dev/null || fail "$t: osp check"
  "$OSP" pack "p-$t/plugin" -o "p-$t.osplugin" >/dev/null || fail "$t: pack"
  # Only plugin/ ships.
  brotli -dc "p-$t.osplugin" | tar -t | grep -qE 'README|spec|osp.d.ts' && fail "$t: dev files packed"
done
grep -q '"fieldRenderers"' p-field/plugin/osplugin.json || fail "field template"
grep -q '"views"' p-view/plugin/osplugin.json || fail "view template"

"$OSP" new shop --publisher globex --title "Shop floor" >/dev/null || fail "publisher, title"
grep -q '"id": "globex.shop"' shop/plugin/osplugin.json || fail "publisher in id"
grep -q '"name": "Shop floor"' shop/plugin/osplugin.json || fail "title"

# Refusals: stable codes, nothing written.
expect_fail dir_not_empty "$OSP" new p-widget
mkdir empty && "$OSP" new empty >/dev/null || fail "an empty directory is fine"
touch afile
expect_fail dir_not_empty "$OSP" new afile
for bad in Hello 9lives a_b "a b" hello- "$(printf 'a%.0s' $(seq 41))" ../up; do
  expect_fail bad_id "$OSP" new "$bad"
done
expect_fail bad_id "$OSP" new ok --publisher Bad
expect_fail bad_template "$OSP" new ok --template page
expect_fail invalid_argument "$OSP" new ok --title 'a "quote"'
[ ! -e ok ] || fail "a refused osp new wrote something"
"$OSP" new 2>/dev/null && fail "osp new without a name"
[ $? -eq 2 ] || true

# osp dev without a manifest.
mkdir nothing
expect_fail not_found "$OSP" dev nothing

# osp publish: token sources, refusals in plain words.
"$OSP" keygen -o acme --no-password >/dev/null
"$OSP" pack p-widget/plugin -k acme.key -o w.osplugin >/dev/null
data="$work/data"
serve_start -d "$data"
token=$("$OSP" publisher add acme --key acme.pub -d "$data" 2>/dev/null)
url=$app
# A normal server has no dev endpoints (and never exposes CSP reports).
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/dev/csp-reports")" = 404 ] || fail "dev endpoint on serve"
unset OSP_PUBLISH_TOKEN OSP_SERVER OSP_PUBLISH_CONFIG
expect_fail no_token "$OSP" publish w.osplugin --server "$url"
out=$("$OSP" publish w.osplugin --server "$url" --token ospt_nope 2>&1) && fail "bad token"
grep -q "osp: unauthorized:" <<<"$out" || fail "unauthorized code: $out"
grep -q "what to do: the server does not accept this token" <<<"$out" || fail "advice: $out"
# From a config file, which must not be readable by others.
mkdir -p .config/osp
printf '{"server": "%s", "token": "%s"}\n' "$url" "$token" >.config/osp/publish.json
chmod 644 .config/osp/publish.json
expect_fail forbidden "$OSP" publish w.osplugin
chmod 600 .config/osp/publish.json
"$OSP" publish w.osplugin | has "published acme.p-widget 1.0.0" || fail "publish from config"
printf '{"tokn": "x"}\n' >bad.json && chmod 600 bad.json
expect_fail unknown_key "$OSP" publish w.osplugin -c bad.json
expect_fail not_found "$OSP" publish w.osplugin -c missing.json
# Same version, other contents: a conflict, explained.
echo '/* changed */' >>p-widget/plugin/style.css
"$OSP" pack p-widget/plugin -k acme.key -o w2.osplugin >/dev/null
out=$(OSP_PUBLISH_TOKEN=$token "$OSP" publish w2.osplugin --server "$url" 2>&1) && fail "conflict"
grep -q "osp: conflict:" <<<"$out" || fail "conflict code: $out"
grep -q 'raise "version" in osplugin.json' <<<"$out" || fail "conflict advice: $out"
# Signed by a key the server does not know.
"$OSP" keygen -o other --no-password >/dev/null
sed -i 's/"1.0.0"/"1.0.1"/' p-widget/plugin/osplugin.json
"$OSP" pack p-widget/plugin -k other.key -o w3.osplugin >/dev/null
out=$(OSP_PUBLISH_TOKEN=$token "$OSP" publish w3.osplugin --server "$url" 2>&1) && fail "unknown key"
grep -q "osp: unknown_key_id:" <<<"$out" || fail "unknown key code: $out"
grep -q "osp publisher key-add" <<<"$out" || fail "unknown key advice: $out"
# Nobody listening.
out=$(OSP_PUBLISH_TOKEN=$token "$OSP" publish w.osplugin --server http://127.0.0.1:1 2>&1) && fail "no server"
grep -q "osp: io:" <<<"$out" || fail "io code: $out"
grep -q "check that the server runs" <<<"$out" || fail "io advice: $out"
echo "osp new and publish: ok"
