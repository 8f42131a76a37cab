#!/usr/bin/env bash
# Users and the audit log as an operator manages them, against a running
# osp serve: user add (and every refusal), list, passwd (the old password
# and the old session stop working at once, the new password works),
# remove, and osp audit showing the CLI's changes and the user's writes
# and refusals, with nothing a plugin wrote reaching the terminal raw.
#   users.sh OSP
OSP=$1
source "$(dirname "$0")/lib.sh"
work=$(mktemp -d /tmp/osp-cli-users.XXXXXX)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
data="$work/data"
export OSP_DATA_DIR="$data"
unset OSP_PASSWORD OSP_SCHEMA OSP_CONFIG

# Before any server: the verbs refuse a directory that is not one.
expect_fail not_found "$OSP" user list -d "$work/nowhere"
expect_fail not_found "$OSP" audit -d "$work/nowhere"

serve_start --sample-data

# login TENANT USER PASSWORD JAR: prints the HTTP status; the CSRF token
# goes to JAR.csrf.
login() {
  local status
  status=$(curl -s -o "$4.body" -w '%{http_code}' -c "$4" -H 'Content-Type: application/json' \
    -H 'X-OSP-CSRF: login' --data "{\"tenant\":\"$1\",\"username\":\"$2\",\"password\":\"$3\"}" \
    "$app/api/v1/session")
  sed -n 's/.*"csrf":"\([0-9a-f]*\)".*/\1/p' "$4.body" >"$4.csrf"
  echo "$status"
}
# call JAR METHOD PATH [JSON]: prints the HTTP status, the body goes to JAR.out.
call() {
  curl -s -o "$1.out" -w '%{http_code}' -b "$1" -X "$2" -H "X-OSP-CSRF: $(cat "$1.csrf")" \
    -H 'Content-Type: application/json' ${4:+--data "$4"} "$app$3"
}

# ---- add: each refusal has its code and changes nothing --------------------------------
expect_fail invalid_argument "$OSP" user add erin --tenant default --role boss --password-stdin \
  <<<"long enough 42"
out=$("$OSP" user add erin --tenant default --role boss --password-stdin <<<"x" 2>&1 || true)
grep -q 'its roles: admin, sales, viewer' <<<"$out" || fail "unknown role lists the roles: $out"
expect_fail invalid_argument "$OSP" user add erin --tenant default --role sales --password-stdin <<<"short"
expect_fail invalid_argument "$OSP" user add erin --tenant default --role sales --password-stdin <<<""
expect_fail invalid_argument "$OSP" user add erin --tenant default --role sales --password-stdin <<<"erin-is-me"
expect_fail invalid_argument "$OSP" user add erin --tenant default --role sales --password-stdin <<<"password123"
expect_fail too_big "$OSP" user add erin --tenant default --role sales --password-stdin \
  <<<"$(head -c 1100 /dev/zero | tr '\0' 'x')y"
expect_fail bad_id "$OSP" user add Erin --tenant default --role sales --password-stdin <<<"long enough 42"
expect_fail bad_id "$OSP" user add erin --tenant 'de fault' --role sales --password-stdin <<<"long enough 42"
expect_fail conflict "$OSP" user add bob --tenant default --role sales --password-stdin <<<"long enough 42"
expect_fail invalid_argument env OSP_PASSWORD=12345678 "$OSP" user add erin --tenant default --role sales
# No terminal, no --password-stdin, no OSP_PASSWORD: a usage error, not a hang.
if "$OSP" user add erin --tenant default --role sales </dev/null 2>/dev/null; then
  fail "add without a password source succeeded"
fi
"$OSP" user list --tenant default | has '^default  *erin ' && fail "a refused add left a user"
[ "$(login default erin "long enough 42" erin0)" = 401 ] || fail "a refused add can sign in"

# A schema file that osp serve would use decides the roles, and a bad one is reported.
printf '{"objects":{"note":{"fields":{"text":{"type":"text"}}}},"roles":{"support":{"note":{"ops":"r","read":"*"}}}}' >schema.json
expect_fail invalid_argument "$OSP" user add gus --tenant default --role support --password-stdin <<<"long enough 42"
printf '{"schema":"%s"}' "$work/schema.json" >config.json
OSP_CONFIG=$work/config.json "$OSP" user add gus --tenant default --role support --password-stdin \
  <<<"long enough 42" | has "added gus to tenant default as support" || fail "role from the config's schema"
"$OSP" user list --tenant default | has '^default  *gus  *support\*' || fail "a role outside the schema is marked"
printf '{"objects":' >broken.json
expect_fail json_syntax "$OSP" user list --schema broken.json

# ---- add, list, sign in -----------------------------------------------------------------
"$OSP" user add erin --tenant default --role sales --password-stdin <<<"first secret 1" \
  | has "added erin to tenant default as sales" || fail "user add"
OSP_PASSWORD="globex secret 2" "$OSP" user add erin --tenant globex --role viewer >/dev/null \
  || fail "the same name in another tenant"
expect_fail conflict "$OSP" user add erin --tenant default --role viewer --password-stdin <<<"long enough 42"
[ "$(login default erin "first secret 1" old)" = 200 ] || fail "erin signs in"
[ "$(call old GET /api/v1/data/contact)" = 200 ] || fail "erin reads contacts"
list=$("$OSP" user list --tenant default)
grep -q '^default  *erin  *sales  .* 1  20' <<<"$list" || fail "list shows erin's live session: $list"
"$OSP" user list --json | has '"username": "erin"' || fail "list --json"
[ "$("$OSP" user list --tenant globex --json | grep -c '"username"')" = 2 ] || fail "list --tenant filters"

# A write and a refusal, audited.  The name carries a C1 control (CSI, which
# the schema lets through: only C0 controls are refused in strings), which
# must not reach the operator's terminal raw.
[ "$(call old POST /api/v1/data/contact '{"values":{"name":"Eve \u009b31mRed","rating":2}}')" = 201 ] \
  || fail "erin creates a contact: $(cat old.out)"
id=$(sed -n 's/.*"id":"\([A-Za-z0-9_-]*\)".*/\1/p' old.out)
[ -n "$id" ] || fail "no id in $(cat old.out)"
[ "$(call old DELETE "/api/v1/data/contact/$id")" = 403 ] || fail "sales may not delete contacts"
grep -q '"code":"permission_denied"' old.out || fail "refusal code: $(cat old.out)"

# ---- passwd: new password works, old password and old session do not --------------------
expect_fail not_found "$OSP" user passwd ghost --tenant default --password-stdin <<<"long enough 42"
expect_fail invalid_argument "$OSP" user passwd erin --tenant default --password-stdin <<<"aaaaaaaaaa"
[ "$(call old GET /api/v1/session)" = 200 ] || fail "a refused passwd ended the session"
"$OSP" user passwd erin --tenant default --password-stdin <<<"second secret 2" \
  | has "changed the password of erin in tenant default; 1 session ended" || fail "user passwd"
[ "$(call old GET /api/v1/session)" = 401 ] || fail "the old session still works"
[ "$(call old GET /api/v1/data/contact)" = 401 ] || fail "the old session still reads data"
[ "$(login default erin "first secret 1" stale)" = 401 ] || fail "the old password still works"
[ "$(login default erin "second secret 2" new)" = 200 ] || fail "the new password does not work"
[ "$(call new GET /api/v1/data/contact)" = 200 ] || fail "the new session reads data"
[ "$(login globex erin "globex secret 2" other)" = 200 ] || fail "the other tenant's erin was touched"

# ---- audit ----------------------------------------------------------------------------------
audit=$("$OSP" audit --tenant default)
head -1 <<<"$audit" | has '^ID  *TIME (UTC)  *TENANT  *ACTOR  *PLUGIN  *ACTION  *TARGET  *OUTCOME' \
  || fail "audit header: $(head -1 <<<"$audit")"
grep -q "default  *cli:[^ ]*  *-  *user.add  " <<<"$audit" || fail "audit shows user.add: $audit"
grep -q "default  *cli:[^ ]*  *-  *user.passwd  " <<<"$audit" || fail "audit shows user.passwd"
grep -q "erin  *-  *data.create  *contact/$id  *allowed" <<<"$audit" || fail "audit shows the create: $audit"
grep -q 'name = "Eve ?31mRed"; rating = 2' <<<"$audit" || fail "audit shows the fields written: $audit"
grep -q "erin  *-  *data.delete  *contact/$id  *denied permission_denied" <<<"$audit" \
  || fail "audit shows the refusal: $audit"
LC_ALL=C grep -q $'\xc2\x9b' <<<"$audit" && fail "audit printed a raw control character"
json=$("$OSP" audit --json)
LC_ALL=C grep -q $'\xc2\x9b' <<<"$json" && fail "audit --json printed a raw control character"
grep -qF '"name": "Eve \u009b31mRed"' <<<"$json" || fail "audit --json escapes the control: $json"
"$OSP" audit --actor erin --json | has '"action": "data.create"' || fail "audit --actor --json"
[ "$("$OSP" audit --actor erin --limit 1 | grep -c '^[0-9]')" = 1 ] || fail "audit --limit"
"$OSP" audit --tenant globex | grep -Eq " default |contact/$id" && fail "audit --tenant leaks another tenant"
"$OSP" audit --tenant globex | has "globex  *cli:[^ ]*  *-  *user.add" || fail "audit --tenant globex"
"$OSP" audit --plugin no.such | has "no audit entries match" || fail "audit --plugin filters"
expect_fail bad_id "$OSP" audit --tenant 'Not A Tenant'
if "$OSP" audit --limit 0 2>/dev/null; then fail "audit --limit 0 accepted"; fi
if "$OSP" audit --limit ten 2>/dev/null; then fail "audit --limit ten accepted"; fi

# ---- remove -----------------------------------------------------------------------------------
"$OSP" user remove erin --tenant default | has "removed erin from tenant default; 1 session ended" \
  || fail "user remove"
[ "$(call new GET /api/v1/data/contact)" = 401 ] || fail "a removed user's session still works"
[ "$(login default erin "second secret 2" gone)" = 401 ] || fail "a removed user signs in"
expect_fail not_found "$OSP" user remove erin --tenant default
"$OSP" audit --tenant default --limit 1 | has "user.remove" || fail "audit shows user.remove"
if "$OSP" user remove erin 2>/dev/null; then fail "remove without --tenant accepted"; fi

kill -TERM "$server_pid"
wait "$server_pid" || fail "serve exits 0 on SIGTERM"
server_pid=
echo "cli users: ok"
