#!/usr/bin/env bash
# Benchmark (not a test): what the data API's permission checks cost.
#
# One run, same machine, same data, same requests, two servers built from
# this tree in one build directory with the same flags:
#   on    osp serve                 (the product: role, plugin grants,
#                                    record scope and field filtering)
#   off   osp-bench-noauthz serve   (records.c compiled with
#                                    OSP_DATA_NO_AUTHZ: none of those checks;
#                                    a bench-only CMake target, never built
#                                    by default or installed)
# Both still check the session cookie, the CSRF header and look up the
# calling plugin's installation (route_data.c): only records.c differs.
#
# The data: the sample users (--sample-data) plus BENCH_RECORDS generated
# contacts in tenant "default", and a plugin bench.data installed there
# with data.read:contact.  Every request is
#   POST /api/v1/data/contact/query  {"limit":BENCH_LIMIT}
#   Cookie: osp_session=… (bob, role sales)  X-OSP-CSRF: …  X-OSP-Plugin: bench.data
# so the checks run in full (bob's role ∩ the plugin's grants, record scope,
# field filtering) yet let every record and field through: both servers
# send the same records and fields (checked; only the key order differs),
# and the difference is the cost of checking, not of sending less.
#
# wrk (-c BENCH_CONNECTIONS keep-alive connections, 100 by default) measures
# each server for BENCH_DURATION after a warm-up, in BENCH_ROUNDS rounds that
# alternate the order (on/off, off/on, …) so drift on a shared machine hits
# both alike; one server runs at a time with --threads connections + 14
# (civetweb serves one keep-alive connection per thread).  Reported: req/s,
# records/s (req/s x records per response), p50/p99 latency and server CPU
# per request for each, the on/off ratio of the median req/s and the cost
# of the checks in percent.  BENCH_PROFILE=1 adds a perf profile of each
# server (top functions) under the same load.
#
# Everything runs on 127.0.0.1 in a fresh temporary directory; on exit the
# servers are stopped and the directory is emptied except results.json,
# the raw wrk outputs, the profiles and the server logs (BENCH_KEEP=1
# keeps everything).
#
# Environment (all optional):
#   OSP_BIN, OSP_NOAUTHZ_BIN  prebuilt binaries to compare (both or neither;
#                        copied first); default: both built from this tree
#                        into the work directory (cmake RelWithDebInfo,
#                        no wasm, no tests; about a minute)
#   BENCH_RECORDS        generated contacts (default 5000, 1..1000000)
#   BENCH_LIMIT          records per query, 1..100 (default 50)
#   BENCH_CONNECTIONS    wrk connections (default 100)
#   BENCH_WRK_THREADS    wrk threads (default 2)
#   BENCH_OSP_THREADS    osp serve --threads (default connections + 14)
#   BENCH_DURATION       measured wrk run (default 10s)
#   BENCH_WARMUP         warm-up wrk run before each (default 3s)
#   BENCH_ROUNDS         rounds of on + off (default 3)
#   BENCH_PROFILE=1      perf record -g of each server for 5 s under load
#   BENCH_KEEP=1         keep the whole work directory
#   BENCH_BUILD_JOBS     parallel compile jobs for the build (default nproc)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

RECORDS=${BENCH_RECORDS:-5000}
LIMIT=${BENCH_LIMIT:-50}
CONNS=${BENCH_CONNECTIONS:-100}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
OSP_THREADS=${BENCH_OSP_THREADS:-$((CONNS + 14))}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-3s}
ROUNDS=${BENCH_ROUNDS:-3}
PROFILE=${BENCH_PROFILE:-0}
KEEP=${BENCH_KEEP:-0}
BUILD_JOBS=${BENCH_BUILD_JOBS:-$(nproc)}
PLUGIN_ID=bench.data

log() { printf 'bench/data: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

to_seconds() {
    local v=$1
    [[ $v =~ ^([0-9]+)(s|m)?$ ]] || return 1
    case ${BASH_REMATCH[2]} in
    m) echo $((BASH_REMATCH[1] * 60)) ;;
    *) echo "${BASH_REMATCH[1]}" ;;
    esac
}
dur_s=$(to_seconds "$DURATION") || die "BENCH_DURATION '$DURATION' is not like 10s, 1m or 30"
warm_s=$(to_seconds "$WARMUP") || die "BENCH_WARMUP '$WARMUP' is not like 3s or 0"
((dur_s >= 1)) || die "BENCH_DURATION must be at least 1s"
for n in "$RECORDS" "$LIMIT" "$CONNS" "$WRK_THREADS" "$OSP_THREADS" "$ROUNDS" "$BUILD_JOBS"; do
    [[ $n =~ ^[0-9]+$ ]] || die "BENCH_RECORDS/LIMIT/CONNECTIONS/WRK_THREADS/OSP_THREADS/ROUNDS must be integers"
done
((RECORDS >= 1 && RECORDS <= 1000000)) || die "BENCH_RECORDS must be 1..1000000"
((LIMIT >= 1 && LIMIT <= 100)) || die "BENCH_LIMIT must be 1..100 (the API's page cap)"
((CONNS >= 1 && WRK_THREADS >= 1 && CONNS >= WRK_THREADS)) || die "need 1 <= BENCH_WRK_THREADS <= BENCH_CONNECTIONS"
((OSP_THREADS >= CONNS)) || die "BENCH_OSP_THREADS ($OSP_THREADS) < BENCH_CONNECTIONS ($CONNS): surplus connections would starve"
((OSP_THREADS <= 4096)) || die "BENCH_OSP_THREADS must be at most 4096"
((ROUNDS >= 1 && ROUNDS <= 20)) || die "BENCH_ROUNDS must be 1..20"
if [[ -n ${OSP_BIN:-} || -n ${OSP_NOAUTHZ_BIN:-} ]]; then
    [[ -n ${OSP_BIN:-} && -n ${OSP_NOAUTHZ_BIN:-} ]] || die "give both OSP_BIN and OSP_NOAUTHZ_BIN, or neither"
fi

# ---- tools --------------------------------------------------------------------------
missing=()
for p in wrk curl sqlite3 jq cmake; do
    command -v "$p" >/dev/null 2>&1 || missing+=("$p")
done
[[ $PROFILE == 1 ]] && ! command -v perf >/dev/null 2>&1 && missing+=(linux-perf)
if ((${#missing[@]})); then
    [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; apt-get install ${missing[*]} (or run as root)"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! timeout 300 apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
        timeout 300 apt-get update >/dev/null
        timeout 300 apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
    fi
fi

# ---- work dir, cleanup ----------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/osp-bench-data.XXXXXX")
data=$work/data
raw=$work/raw
mkdir -p "$data" "$raw"
server_pid=""
bg_pids=()

stop_pid() { # pid signal seconds
    local pid=$1 sig=$2 secs=$3 i
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$? p
    trap - EXIT INT TERM
    for p in "${bg_pids[@]}"; do stop_pid "$p" INT 3; done
    stop_pid "$server_pid" TERM 10
    if [[ $KEEP != 1 ]]; then
        rm -rf -- "$data" "$work/build" "$work/plugin" "$work/osp-on" "$work/osp-off" 2>/dev/null || true
    fi
    if ((rc != 0)); then log "failed (exit $rc); logs in $work"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
log "work dir $work"

# ---- the two binaries ---------------------------------------------------------------------
declare -A bin=([on]=$work/osp-on [off]=$work/osp-off)
if [[ -n ${OSP_BIN:-} ]]; then
    cp -- "$OSP_BIN" "${bin[on]}" || die "cannot copy $OSP_BIN"
    cp -- "$OSP_NOAUTHZ_BIN" "${bin[off]}" || die "cannot copy $OSP_NOAUTHZ_BIN"
    build_note="given: $OSP_BIN and $OSP_NOAUTHZ_BIN"
else
    log "building osp and osp-bench-noauthz from $root (RelWithDebInfo, no wasm, no tests)"
    timeout 900 cmake -S "$root" -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DOSP_WASM=OFF -DOSP_TESTS=OFF >"$work/build.log" 2>&1 || die "cmake failed; see $work/build.log"
    timeout 900 cmake --build "$work/build" --parallel "$BUILD_JOBS" --target osp_cli osp-bench-noauthz \
        >>"$work/build.log" 2>&1 || die "build failed; see $work/build.log"
    cp -- "$work/build/osp" "${bin[on]}"
    cp -- "$work/build/osp-bench-noauthz" "${bin[off]}"
    build_note="built from $root into one build directory (RelWithDebInfo)"
fi
for m in on off; do "${bin[$m]}" help >/dev/null 2>&1 || die "${bin[$m]} does not run"; done
declare -A sha=([on]=$(sha256sum "${bin[on]}" | cut -c1-16) [off]=$(sha256sum "${bin[off]}" | cut -c1-16))

# ---- ports and servers ---------------------------------------------------------------------
picked=" "
pick_port() {
    local p i
    for ((i = 0; i < 500; i++)); do
        p=$((20000 + RANDOM % 30000))
        [[ $picked == *" $p "* ]] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            picked="$picked$p "
            echo "$p"
            return 0
        fi
    done
    return 1
}
app_port=$(pick_port) || die "no free port"
plugin_port=$(pick_port) || die "no free port"
app=http://127.0.0.1:$app_port

start_server() { # mode
    # OSP_* settings from the caller's environment (an access log, another
    # schema) would change what is measured: the server gets none.
    # shellcheck disable=SC2046
    env $(compgen -e | grep '^OSP_' | sed 's/^/-u /') \
        "${bin[$1]}" serve --app "127.0.0.1:$app_port" --plugin "127.0.0.1:$plugin_port" \
        -d "$data" --threads "$OSP_THREADS" --sample-data >>"$work/serve-$1.log" 2>&1 &
    server_pid=$!
    local i
    for ((i = 0; i < 150; i++)); do
        curl -s -o /dev/null --max-time 1 "$app/healthz" && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    die "$1 server did not come up: $(tail -3 "$work/serve-$1.log")"
}
stop_server() {
    stop_pid "$server_pid" TERM 20
    server_pid=""
}

# ---- data: sample users, a plugin installed with data.read:contact, contacts ----------------
start_server on
"${bin[on]}" keygen -o "$work/K" --no-password >/dev/null 2>&1 || die "osp keygen failed"
token=$(timeout 30 "${bin[on]}" publisher add bench --key "$work/K.pub" -d "$data" 2>/dev/null | head -1)
[[ $token == ospt_* ]] || die "osp publisher add printed no token"
mkdir -p "$work/plugin"
printf '<!doctype html><title>bench.data</title>\n' >"$work/plugin/index.html"
cat >"$work/plugin/osplugin.json" <<EOF
{
  "format": 1,
  "id": "$PLUGIN_ID",
  "name": "Bench data",
  "version": "1.0.0",
  "publisher": "bench",
  "runtime": "ui",
  "engines": { "osp-ui": "^1" },
  "contributes": { "widgets": [{ "id": "main", "title": "Bench", "entry": "index.html" }] },
  "permissions": { "rpc": ["data.read:contact"] }
}
EOF
timeout 60 "${bin[on]}" pack "$work/plugin" -k "$work/K.key" -o "$work/bench.osplugin" >/dev/null || die "osp pack failed"
timeout 60 "${bin[on]}" publish "$work/bench.osplugin" --server "$app" --token "$token" >/dev/null || die "osp publish failed"
timeout 60 "${bin[on]}" install "$PLUGIN_ID" --grant data.read:contact -d "$data" >/dev/null || die "osp install failed"
stop_server

log "seeding $RECORDS contacts"
sqlite3 "$data/registry.db" <<EOF || die "seeding with sqlite3 failed"
.timeout 5000
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $RECORDS)
INSERT INTO records(tenant, object, id, owner, data, updated_at)
SELECT 'default', 'contact', printf('b%07d', i), CASE i % 3 WHEN 0 THEN 'alice' ELSE 'bob' END,
       json_object('name', 'Contact ' || i, 'email', 'contact' || i || '@example.com',
                   'company', 'Company ' || (i % 97), 'phone', printf('+1 555 %04d', i % 10000),
                   'rating', i % 6),
       0
FROM n;
EOF
total_contacts=$(sqlite3 "$data/registry.db" "SELECT count(*) FROM records WHERE tenant='default' AND object='contact'")

# bob signs in once; the session lives in the database, so both servers accept it.
start_server on
login=$(curl -s -D "$raw/login-headers.txt" -H 'Content-Type: application/json' -H 'X-OSP-CSRF: login' \
    --data '{"tenant":"default","username":"bob","password":"osp-demo"}' "$app/api/v1/session")
csrf=$(sed -n 's/.*"csrf":"\([0-9a-f]*\)".*/\1/p' <<<"$login")
cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \(osp_session=[^;]*\);.*/\1/p' "$raw/login-headers.txt" | tr -d '\r')
[[ -n $csrf && $cookie == osp_session=osps_* ]] || die "bob could not sign in: $login"
body="{\"limit\":$LIMIT}"
query() { # path json -> status; body in $raw/last.json
    curl -s -o "$raw/last.json" -w '%{http_code}' -H 'Content-Type: application/json' \
        -H "Cookie: $cookie" -H "X-OSP-CSRF: $csrf" -H "X-OSP-Plugin: $PLUGIN_ID" --data "$2" "$app$1"
}

# ---- sanity: same answer from both; the off build really checks nothing -----------------------
declare -A answer=() deal=()
for m in on off; do
    [[ -z $server_pid ]] && start_server "$m"
    st=$(query /api/v1/data/contact/query "$body")
    [[ $st == 200 ]] || die "$m: the benchmark query answers $st: $(head -c 300 "$raw/last.json")"
    # Same records and fields; the key order differs (on rebuilds each
    # record from the schema's visible fields, off sends it as stored).
    answer[$m]=$(jq -S -c . "$raw/last.json" | sha256sum | cut -c1-64)
    records_per_resp=$(jq '.records | length' "$raw/last.json")
    ((records_per_resp == LIMIT || records_per_resp == total_contacts)) || die "$m: $records_per_resp records in a page of $LIMIT"
    [[ $(jq .total "$raw/last.json") == "$total_contacts" ]] || die "$m: total is not $total_contacts: $(tail -c 100 "$raw/last.json")"
    resp_bytes=$(stat -c %s "$raw/last.json")
    # A deal query through a plugin granted contacts only: on refuses, off does not.
    deal[$m]=$(query /api/v1/data/deal/query '{}')
    stop_server
done
[[ ${answer[on]} == "${answer[off]}" ]] || die "on and off answer the benchmark query differently"
[[ ${deal[on]} == 403 ]] || die "on: a deal query without the grant answers ${deal[on]}, want 403"
[[ ${deal[off]} == 200 ]] || die "off: the deal query answers ${deal[off]}; is ${bin[off]} really the no-authz build?"
log "both answer with the same records and fields ($records_per_resp records, $resp_bytes bytes of JSON per response); on refuses a deal query off allows"

# ---- measure ------------------------------------------------------------------------------
cat >"$work/query.lua" <<EOF
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "$cookie"
wrk.headers["X-OSP-CSRF"] = "$csrf"
wrk.headers["X-OSP-Plugin"] = "$PLUGIN_ID"
EOF
run_wrk() { # out duration
    timeout $(($(to_seconds "$2") + 30)) wrk -t"$WRK_THREADS" -c"$CONNS" -d"$2" --timeout 10s --latency \
        -s "$work/query.lua" "$app/api/v1/data/contact/query" >"$1" 2>&1
}
parse_wrk() { # file -> "rps p50_ms p99_ms requests non2xx socket_errors"
    awk '
    function ms(v) {
        if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
        if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
        if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
        return v + 0
    }
    /^Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    / requests in / { req = $1 }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { gsub(",", ""); err = $4 + $6 + $8 + $10 }
    END {
        if (rps == "" || p99 == "") exit 1
        printf "%.2f %.3f %.3f %d %d %d\n", rps, p50, p99, req, bad, err
    }' "$1"
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
clk_tck=$(getconf CLK_TCK)

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${load_before%% *}" 'BEGIN { exit !(l > 0.5) }'; then
    log "warning: load average is $load_before; other work on this machine will skew the figures"
fi
log "measuring $ROUNDS rounds x on/off: wrk -t$WRK_THREADS -c$CONNS -d$DURATION (warm-up $WARMUP), --threads $OSP_THREADS"
declare -A R=() # "mode|round" -> "rps p50 p99 req non2xx errs cpu_us_per_req"
for ((r = 1; r <= ROUNDS; r++)); do
    order="on off"
    ((r % 2 == 0)) && order="off on"
    for m in $order; do
        start_server "$m"
        if ((warm_s > 0)); then run_wrk "$raw/warmup-$m-$r.txt" "$WARMUP" || die "wrk warm-up failed ($m)"; fi
        t0=$(cpu_ticks "$server_pid")
        out=$raw/wrk-$m-$r.txt
        run_wrk "$out" "$DURATION" || die "wrk failed ($m, round $r): $(tail -3 "$out")"
        t1=$(cpu_ticks "$server_pid")
        line=$(parse_wrk "$out") || die "cannot parse $out"
        read -r rps p50 p99 req bad errs <<<"$line"
        ((bad == 0)) || die "$m round $r: $bad non-2xx responses (see $out)"
        ((req > 0)) || die "$m round $r: no requests completed"
        cpu=$(awk -v t="$((t1 - t0))" -v r="$req" -v hz="$clk_tck" 'BEGIN { printf "%.1f", t / hz * 1e6 / r }')
        R[$m|$r]="$line $cpu"
        log "$(printf 'round %d %-3s %9.0f req/s %10.0f records/s  p50 %7.2f ms  p99 %7.2f ms  %7.1f us CPU/req%s' \
            "$r" "$m" "$rps" "$(awk -v a="$rps" -v b="$records_per_resp" 'BEGIN { print a * b }')" "$p50" "$p99" "$cpu" \
            "$( ((errs == 0)) || echo "  ($errs socket errors)")")"
        stop_server
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- optional profile ----------------------------------------------------------------------
if [[ $PROFILE == 1 ]]; then
    for m in on off; do
        start_server "$m"
        run_wrk "$raw/warmup-perf-$m.txt" 2s || true
        perf record -g -F 999 -o "$work/perf-$m.data" -p "$server_pid" >/dev/null 2>&1 &
        pp=$!
        bg_pids+=("$pp")
        sleep 0.5
        run_wrk "$raw/wrk-perf-$m.txt" 5s || true
        kill -INT "$pp" 2>/dev/null || true
        wait "$pp" 2>/dev/null || true
        perf report -i "$work/perf-$m.data" --no-children --sort symbol --stdio 2>/dev/null |
            grep -E '^ +[0-9]' | head -25 >"$work/profile-$m.txt" || true
        stop_server
    done
fi

# ---- report -----------------------------------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { # mode index -> values of that column over the rounds, one per line
    local r a
    for ((r = 1; r <= ROUNDS; r++)); do
        read -ra a <<<"${R[$1|$r]}"
        echo "${a[$(($2 - 1))]}"
    done
}
declare -A med=()
for m in on off; do
    for i in 1 2 3 7; do med[$m|$i]=$(col "$m" "$i" | median); done
done
ratio=$(awk -v a="${med[on|1]}" -v b="${med[off|1]}" 'BEGIN { printf "%.3f", a / b }')
cost=$(awk -v a="${med[on|1]}" -v b="${med[off|1]}" 'BEGIN { printf "%.1f", (1 - a / b) * 100 }')
git_rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$root" status --porcelain 2>/dev/null) ]]; then git_rev="$git_rev (dirty tree)"; fi
wrk_ver=$({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $2 }')

echo
echo "data API query throughput, permission checks on (osp) vs compiled out (osp-bench-noauthz)"
echo "osp $git_rev; $build_note; binaries sha256 on ${sha[on]}… off ${sha[off]}…"
echo "POST /api/v1/data/contact/query {\"limit\":$LIMIT} as bob (sales) through plugin $PLUGIN_ID (data.read:contact),"
echo "$total_contacts contacts in the tenant, $records_per_resp records ($resp_bytes bytes) per response, the same from both"
echo "wrk $wrk_ver -t$WRK_THREADS -c$CONNS -d$DURATION keep-alive (warm-up $WARMUP), osp serve --threads $OSP_THREADS, $ROUNDS rounds alternating order"
echo "$(nproc) CPUs, $(uname -r); server and wrk share the CPUs; load average before $load_before, after $load_after"
echo
printf '%-5s %-6s %10s %12s %9s %9s %11s\n' round server "req/s" "records/s" "p50 ms" "p99 ms" "CPU us/req"
for ((r = 1; r <= ROUNDS; r++)); do
    for m in on off; do
        read -r rps p50 p99 req bad errs cpu <<<"${R[$m|$r]}"
        printf '%-5s %-6s %10.0f %12.0f %9.2f %9.2f %11.1f\n' "$r" "$m" "$rps" \
            "$(awk -v a="$rps" -v b="$records_per_resp" 'BEGIN { print a * b }')" "$p50" "$p99" "$cpu"
    done
done
for m in on off; do
    printf '%-5s %-6s %10.0f %12.0f %9.2f %9.2f %11.1f\n' median "$m" "${med[$m|1]}" \
        "$(awk -v a="${med[$m|1]}" -v b="$records_per_resp" 'BEGIN { print a * b }')" "${med[$m|2]}" "${med[$m|3]}" "${med[$m|7]}"
done
echo
echo "on/off (median req/s): $ratio, so the permission checks cost $cost% of throughput (target: at most 20%)"
if [[ $PROFILE == 1 ]]; then
    for m in on off; do
        echo
        echo "profile $m (perf, self time, top functions):"
        cat "$work/profile-$m.txt"
    done
fi

json=$work/results.json
{
    printf '{\n  "benchmark": "bench/data",\n  "date": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf '  "osp": {"git": "%s", "build": "%s", "sha256_prefix_on": "%s", "sha256_prefix_off": "%s", "threads": %d},\n' \
        "$git_rev" "$build_note" "${sha[on]}" "${sha[off]}" "$OSP_THREADS"
    printf '  "query": {"path": "/api/v1/data/contact/query", "body": %s, "user": "bob", "role": "sales", "plugin": "%s", "tenant_contacts": %d, "records_per_response": %d, "response_bytes": %d},\n' \
        "$body" "$PLUGIN_ID" "$total_contacts" "$records_per_resp" "$resp_bytes"
    printf '  "wrk": {"version": "%s", "threads": %d, "connections": %d, "duration": "%s", "warmup": "%s", "rounds": %d},\n' \
        "$wrk_ver" "$WRK_THREADS" "$CONNS" "$DURATION" "$WARMUP" "$ROUNDS"
    printf '  "machine": {"cpus": %d, "kernel": "%s", "loadavg_before": "%s", "loadavg_after": "%s"},\n' \
        "$(nproc)" "$(uname -r)" "$load_before" "$load_after"
    printf '  "runs": [\n'
    sep=""
    for ((r = 1; r <= ROUNDS; r++)); do
        for m in on off; do
            read -r rps p50 p99 req bad errs cpu <<<"${R[$m|$r]}"
            printf '%s    {"round": %d, "server": "%s", "requests_per_s": %s, "records_per_s": %s, "p50_ms": %s, "p99_ms": %s, "requests": %s, "non_2xx": %s, "socket_errors": %s, "server_cpu_us_per_request": %s}' \
                "$sep" "$r" "$m" "$rps" "$(awk -v a="$rps" -v b="$records_per_resp" 'BEGIN { print a * b }')" "$p50" "$p99" "$req" "$bad" "$errs" "$cpu"
            sep=$',\n'
        done
    done
    printf '\n  ],\n  "median_requests_per_s": {"on": %s, "off": %s},\n' "${med[on|1]}" "${med[off|1]}"
    printf '  "ratio_on_over_off": %s,\n  "cost_percent": %s\n}\n' "$ratio" "$cost"
} >"$json"
echo
echo "raw numbers: $json (wrk outputs in $raw, server logs in $work)"
