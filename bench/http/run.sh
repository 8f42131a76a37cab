#!/usr/bin/env bash
# Benchmark (not a test): osp serve's plugin asset path against nginx.
#
# One run, same machine, same files, same URL paths, same response headers:
#   osp serve   GET /ext-ui/bench.assets/<digest>/<file>   (plugin origin)
#   nginx       the same bytes at the same path, from Debian's nginx-light,
#               with osp's headers mirrored by add_header ... always,
#               sendfile/tcp_nopush/tcp_nodelay/open_file_cache on, access_log
#               off, keepalive_requests 100000, and as many worker processes
#               as there are CPUs, as osp has event-loop workers (a list
#               of worker counts may be given; the faster nginx per row is
#               then the baseline of the headline ratio).
# for small.js (1 KB), medium.js (50 KB) and large.js (1 MB) of generated,
# compressible JavaScript, each with Accept-Encoding: identity and br.  nginx
# answers br from precompressed .br files (brotli -q 11) chosen by a map on
# Accept-Encoding; osp answers br only if it has br variants (rows where it
# does not are marked "identity").
#
# wrk (-t2 -c50 by default, the same for every server) measures each
# (server, file, encoding) BENCH_ROUNDS times, the servers interleaved row by
# row so that a burst of load elsewhere on the machine hits both; the table
# gives the median req/s and p99 over the rounds for both, the ratios
# osp/nginx of the medians (req/s: higher is better; p99: lower is better)
# and the range of the per-round ratios, plus the server's own CPU time and
# context switches per request from /proc.  Also reported:
# osp's RSS (idle after start-up, after the runs, after publishing) and publish
# throughput (N distinct ~100 KB bundles through `osp publish`, bundles/s; no
# baseline).
#
# Before measuring, every file is fetched from both servers with curl and the
# bodies (decoded for br) must match the source file's SHA-256, the mirrored
# headers (Vary included) must be equal, both must send a Date header, and
# both must answer 200; otherwise the script stops.
#
# Everything runs on 127.0.0.1 in a fresh temporary directory.  On exit the
# servers are stopped and the directory is emptied except results.json, the
# raw wrk outputs and the server logs (BENCH_KEEP=1 keeps everything).
#
# Environment (all optional):
#   OSP_BIN              osp binary (default build/osp; copied first so a
#                        concurrent rebuild cannot swap it mid-run)
#   BENCH_DURATION       measured wrk run per row (default 10s; e.g. 30s, 1m)
#   BENCH_WARMUP         warm-up wrk run before each (default 2s)
#   BENCH_CONNECTIONS    wrk connections (default 50)
#   BENCH_WRK_THREADS    wrk threads (default 2)
#   BENCH_OSP_WORKERS    osp serve --plugin-workers: event-loop threads of the
#                        plugin listener (default: the number of CPUs, like
#                        nginx's worker_processes)
#   BENCH_NGINX_WORKERS  nginx worker_processes values to measure (default: the
#                        number of CPUs, as many as osp's plugin workers;
#                        e.g. "1 2" measures both and takes the faster per row)
#   BENCH_ROUNDS         measured rounds per row, medians reported (default 3)
#   BENCH_FILES          any of "small medium large index" (default "small medium large")
#   BENCH_ENCODINGS      any of "identity br" (default "identity br")
#   BENCH_PUBLISH_COUNT  bundles for the publish measurement (default 50; 0 skips)
#   BENCH_PUBLISH_KB     content per bundle in KiB, incompressible (default 100)
#   BENCH_PROFILE=1      afterwards, syscalls per request (strace -c) and perf
#                        stat for small.js on osp and on nginx (slow under strace;
#                        the counts per request are what matter, not the rates)
#   BENCH_KEEP=1         keep the whole work directory
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

OSP_BIN=${OSP_BIN:-$root/build/osp}
DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
CONNS=${BENCH_CONNECTIONS:-50}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
OSP_WORKERS=${BENCH_OSP_WORKERS:-$(nproc)}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-$(nproc)}
ROUNDS=${BENCH_ROUNDS:-3}
FILES=${BENCH_FILES:-"small medium large"}
ENCODINGS=${BENCH_ENCODINGS:-"identity br"}
PUBLISH_COUNT=${BENCH_PUBLISH_COUNT:-50}
PUBLISH_KB=${BENCH_PUBLISH_KB:-100}
PROFILE=${BENCH_PROFILE:-0}
KEEP=${BENCH_KEEP:-0}
PLUGIN_ID=bench.assets

log() { printf 'bench/http: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

# "10s", "2m", "1h" or a bare number of seconds -> seconds
to_seconds() {
    local v=$1
    [[ $v =~ ^([0-9]+)(s|m|h)?$ ]] || return 1
    case ${BASH_REMATCH[2]} in
    m) echo $((BASH_REMATCH[1] * 60)) ;;
    h) echo $((BASH_REMATCH[1] * 3600)) ;;
    *) echo "${BASH_REMATCH[1]}" ;;
    esac
}
dur_s=$(to_seconds "$DURATION") || die "BENCH_DURATION '$DURATION' is not like 10s, 1m or 30"
warm_s=$(to_seconds "$WARMUP") || die "BENCH_WARMUP '$WARMUP' is not like 2s or 0"
((dur_s >= 1)) || die "BENCH_DURATION must be at least 1s"
for n in "$CONNS" "$WRK_THREADS" "$OSP_WORKERS" "$PUBLISH_COUNT" "$PUBLISH_KB" "$ROUNDS"; do
    [[ $n =~ ^[0-9]+$ ]] || die "BENCH_CONNECTIONS/WRK_THREADS/OSP_WORKERS/PUBLISH_COUNT/PUBLISH_KB must be integers"
done
((CONNS >= 1 && WRK_THREADS >= 1 && CONNS >= WRK_THREADS)) || die "need 1 <= BENCH_WRK_THREADS <= BENCH_CONNECTIONS"
((OSP_WORKERS >= 1 && OSP_WORKERS <= 64)) || die "BENCH_OSP_WORKERS must be 1..64"
((PUBLISH_KB >= 1 && PUBLISH_KB <= 10240)) || die "BENCH_PUBLISH_KB must be 1..10240"
((ROUNDS >= 1 && ROUNDS <= 20)) || die "BENCH_ROUNDS must be 1..20"
for w in $NGINX_WORKERS; do
    [[ $w =~ ^[0-9]+$ ]] && ((w >= 1 && w <= 64)) || die "BENCH_NGINX_WORKERS: '$w' is not 1..64"
done
[[ -n ${NGINX_WORKERS// /} ]] || die "BENCH_NGINX_WORKERS is empty"
for f in $FILES; do
    case $f in small | medium | large | index) ;; *) die "BENCH_FILES: unknown file '$f'" ;; esac
done
for e in $ENCODINGS; do
    case $e in identity | br) ;; *) die "BENCH_ENCODINGS: unknown encoding '$e'" ;; esac
done

# ---- tools -----------------------------------------------------------------------
missing=()
for p in wrk nginx-light brotli curl; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; apt-get install ${missing[*]} (or run as root)"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! timeout 300 apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
        timeout 300 apt-get update >/dev/null
        timeout 300 apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
    fi
    # Installing nginx may start the packaged service; this benchmark runs its
    # own master and wants nothing else on the machine.
    if [[ -f /run/nginx.pid ]] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
        log "stopping the nginx service the package just started"
        nginx -s quit 2>/dev/null || kill "$(cat /run/nginx.pid)" 2>/dev/null || true
    fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for t in wrk "$NGINX" brotli curl awk sha256sum timeout; do
    command -v "$t" >/dev/null 2>&1 || die "missing $t"
done
[[ -f $here/gen-js.awk ]] || die "missing $here/gen-js.awk"

# ---- work dir, cleanup -------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/osp-bench-http.XXXXXX")
chmod 755 "$work" # nginx workers run as nobody and read www/
data=$work/data
www=$work/www
ngx=$work/nginx
raw=$work/raw
mkdir -p "$data" "$www" "$ngx" "$raw"
osp_pid=""
declare -A ngx_pid=()
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
    stop_pid "$osp_pid" TERM 10
    for p in "${ngx_pid[@]}"; do stop_pid "$p" QUIT 5; done
    if [[ $KEEP != 1 ]]; then
        rm -rf -- "$data" "$www" "$work/plugin" "$work/publish" "$work/osp" "$ngx"/*_temp "$raw"/body-* 2>/dev/null || true
    fi
    if ((rc != 0)); then log "failed (exit $rc); logs in $work"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
log "work dir $work"

# build/osp may be missing for a moment while someone rebuilds it; wait a bit.
osp=$work/osp
for attempt in $(seq 1 8); do
    if [[ -x $OSP_BIN ]] && cp -- "$OSP_BIN" "$osp" 2>/dev/null && "$osp" help >/dev/null 2>&1; then
        break
    fi
    rm -f -- "$osp"
    ((attempt < 8)) || die "$OSP_BIN is missing or does not run (waited 4 minutes)"
    log "$OSP_BIN not usable yet (rebuild in progress?); retrying in 30 s"
    sleep 30
done
osp_sha=$(sha256sum "$osp" | cut -c1-16)

# ---- ports ---------------------------------------------------------------------------
picked=" "
pick_port() {
    local p i
    for ((i = 0; i < 500; i++)); do
        p=$((20000 + RANDOM % 30000))
        [[ $picked == *" $p "* ]] && continue
        # nothing listening there (connection refused) -> take it
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
declare -A ngx_port=()
for w in $NGINX_WORKERS; do ngx_port[$w]=$(pick_port) || die "no free port"; done

wait_http() { # url seconds pid
    local url=$1 secs=$2 pid=$3 i
    for ((i = 0; i < secs * 10; i++)); do
        curl -s -o /dev/null --max-time 1 "$url" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# ---- the plugin -----------------------------------------------------------------------
plugin=$work/plugin
mkdir "$plugin"
declare -A fname=([small]=small.js [medium]=medium.js [large]=large.js [index]=index.html)
declare -A fsize=([small]=1024 [medium]=51200 [large]=1048576)
for k in small medium large; do
    timeout 120 awk -v size="${fsize[$k]}" -f "$here/gen-js.awk" >"$plugin/${fname[$k]}"
    [[ $(stat -c %s "$plugin/${fname[$k]}") == "${fsize[$k]}" ]] || die "gen-js.awk made a wrong size for ${fname[$k]}"
done
cat >"$plugin/index.html" <<'EOF'
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>bench.assets</title>
<script src="/_osp/sdk/osp.js"></script>
<script type="module" src="small.js"></script>
<script type="module" src="medium.js"></script>
</head>
<body>
<main id="root"><p>Loading…</p></main>
</body>
</html>
EOF
fsize[index]=$(stat -c %s "$plugin/index.html")
cat >"$plugin/osplugin.json" <<EOF
{
  "format": 1,
  "id": "$PLUGIN_ID",
  "name": "Bench assets",
  "description": "Generated JavaScript of three sizes for bench/http.",
  "version": "1.0.0",
  "publisher": "bench",
  "runtime": "ui",
  "engines": { "osp-ui": "^1" },
  "contributes": {
    "widgets": [
      { "id": "main", "title": "Bench", "entry": "index.html", "height": 200 }
    ]
  },
  "permissions": { "rpc": [] }
}
EOF

# ---- osp serve ------------------------------------------------------------------------
"$osp" keygen -o "$data/K" --no-password >/dev/null 2>&1 || die "osp keygen failed"
# OSP_* settings in the caller's environment (an access log, a config file,
# a smaller cache) would change what is measured: osp serve gets none.
# shellcheck disable=SC2046
env $(compgen -e | grep '^OSP_' | sed 's/^/-u /') \
    "$osp" serve --app "127.0.0.1:$app_port" --plugin "127.0.0.1:$plugin_port" -d "$data/osp" \
    --plugin-workers "$OSP_WORKERS" >"$work/osp-serve.log" 2>&1 &
osp_pid=$!
wait_http "http://127.0.0.1:$app_port/healthz" 15 "$osp_pid" ||
    die "osp serve did not come up; see $work/osp-serve.log: $(tail -3 "$work/osp-serve.log")"
sleep 0.5
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
osp_threads_now=$(ls "/proc/$osp_pid/task" | wc -l)
rss_start=$(rss_kb "$osp_pid")
log "osp serve pid $osp_pid, app :$app_port, plugin :$plugin_port, --plugin-workers $OSP_WORKERS ($osp_threads_now OS threads), RSS ${rss_start} kB"

token=$(timeout 30 "$osp" publisher add bench --key "$data/K.pub" -d "$data/osp" 2>/dev/null | head -1)
[[ $token == ospt_* ]] || die "osp publisher add printed no token"
timeout 60 "$osp" pack "$plugin" -k "$data/K.key" -o "$data/assets.osplugin" >/dev/null || die "osp pack failed"
pub_out=$(timeout 60 "$osp" publish "$data/assets.osplugin" --server "http://127.0.0.1:$app_port" --token "$token") ||
    die "osp publish failed: $pub_out"
digest=$(awk '$1 == "digest" {print $2}' <<<"$pub_out")
[[ $digest =~ ^[0-9a-f]{64}$ ]] || die "no digest in osp publish output: $pub_out"
base=/ext-ui/$PLUGIN_ID/$digest
rss_published=$(rss_kb "$osp_pid")
log "published $PLUGIN_ID 1.0.0, digest $digest"

# ---- nginx: same files, same paths, osp's headers ----------------------------------------
mkdir -p "$www$base"
for k in small medium large index; do
    cp -- "$plugin/${fname[$k]}" "$www$base/"
    timeout 120 brotli -q 11 -f -o "$www$base/${fname[$k]}.br" -- "$plugin/${fname[$k]}"
done
chmod -R a+rX "$www"

mirrored="Cache-Control X-Content-Type-Options Referrer-Policy Cross-Origin-Resource-Policy Access-Control-Allow-Origin Content-Security-Policy Vary"
hdr_value() { # file header -> value (first match, CR stripped)
    awk -v h="$2" 'BEGIN { h = tolower(h) }
        { sub(/\r$/, "") }
        index($0, ":") { n = tolower(substr($0, 1, index($0, ":") - 1)); if (n == h) { v = substr($0, index($0, ":") + 1); sub(/^[ \t]+/, "", v); print v; exit } }' "$1"
}
conf_quote() {
    [[ $1 != *'"'* && $1 != *'\'* && $1 != *'$'* ]] || die "header value not representable in nginx.conf: $1"
    printf '"%s"' "$1"
}
locations=""
for k in small medium large index; do
    url="http://127.0.0.1:$plugin_port$base/${fname[$k]}"
    h=$raw/osp-headers-$k.txt
    curl -s -D "$h" -o /dev/null --max-time 10 -H 'Accept-Encoding: identity' "$url" || die "curl $url failed"
    grep -q '^HTTP/1.1 200' "$h" || die "osp answers $(head -1 "$h") for ${fname[$k]}"
    ctype=$(hdr_value "$h" Content-Type)
    [[ -n $ctype ]] || die "osp sent no Content-Type for ${fname[$k]}"
    loc="        location = $base/${fname[$k]} {
            default_type $(conf_quote "$ctype");
            try_files \$uri\$osp_br_suffix =404;
            add_header Content-Encoding \$osp_br_encoding always;
"
    vary_seen=0
    for name in $mirrored; do
        v=$(hdr_value "$h" "$name")
        [[ -n $v ]] || continue
        [[ $name == Vary ]] && vary_seen=1
        loc+="            add_header $name $(conf_quote "$v") always;
"
    done
    ((vary_seen)) || loc+="            add_header Vary \"Accept-Encoding\" always;
"
    locations+="$loc        }
"
done

for w in $NGINX_WORKERS; do
    d=$ngx/w$w
    mkdir -p "$d"
    for t in client_body proxy fastcgi uwsgi scgi; do mkdir -p "$ngx/${t}_temp/w$w"; done
    cat >"$d/nginx.conf" <<EOF
# generated by bench/http/run.sh
daemon off;
master_process on;
worker_processes $w;
pid $d/nginx.pid;
error_log $d/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 100000;
    keepalive_timeout 65s;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    open_file_cache_errors on;
    gzip off;
    types { }
    default_type application/octet-stream;
    client_body_temp_path $ngx/client_body_temp/w$w;
    proxy_temp_path $ngx/proxy_temp/w$w;
    fastcgi_temp_path $ngx/fastcgi_temp/w$w;
    uwsgi_temp_path $ngx/uwsgi_temp/w$w;
    scgi_temp_path $ngx/scgi_temp/w$w;
    # The precompressed variant when the client accepts br (and did not say br;q=0).
    map \$http_accept_encoding \$osp_br_suffix {
        default "";
        "~*(^|[ ,])br;q=0(\\.0*)?([ ,]|\$)" "";
        "~*(^|[ ,])br([ ,;]|\$)" ".br";
    }
    map \$osp_br_suffix \$osp_br_encoding {
        default "";
        ".br" "br";
    }
    server {
        listen 127.0.0.1:${ngx_port[$w]} reuseport;
        root $www;
$locations        location / {
            return 404;
        }
    }
}
EOF
    "$NGINX" -t -q -p "$d/" -c "$d/nginx.conf" -e "$d/error.log" 2>"$d/test.log" ||
        die "nginx -t rejects $d/nginx.conf: $(cat "$d/test.log")"
    "$NGINX" -p "$d/" -c "$d/nginx.conf" -e "$d/error.log" 2>>"$d/error.log" &
    ngx_pid[$w]=$!
    wait_http "http://127.0.0.1:${ngx_port[$w]}/" 10 "${ngx_pid[$w]}" ||
        die "nginx (worker_processes $w) did not come up: $(tail -3 "$d/error.log")"
done
children_of() { # pid -> its children's pids
    local parent=$1 f line
    local -a st
    for f in /proc/[0-9]*/stat; do
        line=$(cat "$f" 2>/dev/null) || continue
        read -ra st <<<"${line##*) }" # st[0] state, st[1] ppid
        if [[ ${st[1]:-} == "$parent" ]]; then
            f=${f%/stat}
            echo "${f#/proc/}"
        fi
    done
}
server_pids() { # server -> pids whose CPU counts (osp: the process; nginx: master + workers)
    case $1 in
    osp) echo "$osp_pid" ;;
    nginx-w*)
        # shellcheck disable=SC2046 # one pid per word
        echo "${ngx_pid[${1#nginx-w}]}" $(children_of "${ngx_pid[${1#nginx-w}]}")
        ;;
    esac
}
server_url() { # server file
    case $1 in
    osp) echo "http://127.0.0.1:$plugin_port$base/${fname[$2]}" ;;
    nginx-w*) echo "http://127.0.0.1:${ngx_port[${1#nginx-w}]}$base/${fname[$2]}" ;;
    esac
}
servers="osp"
for w in $NGINX_WORKERS; do servers+=" nginx-w$w"; done

# ---- verify: same bodies, same headers ------------------------------------------------------
declare -A osp_br=() body_bytes=() head_bytes=()
for k in small medium large index; do
    want=$(sha256sum <"$plugin/${fname[$k]}" | cut -d' ' -f1)
    for s in $servers; do
        for e in identity br; do
            b=$raw/body-$s-$k-$e
            h=$raw/headers-$s-$k-$e.txt
            curl -s --max-time 10 -D "$h" -o "$b" -H "Accept-Encoding: $e" "$(server_url "$s" "$k")" ||
                die "curl $s ${fname[$k]} ($e) failed"
            grep -q '^HTTP/1.1 200' "$h" || die "$s answers '$(head -1 "$h" | tr -d '\r')' for ${fname[$k]} ($e)"
            ce=$(hdr_value "$h" Content-Encoding)
            if [[ $ce == br ]]; then
                [[ $e == br ]] || die "$s sent Content-Encoding: br to a client that did not accept it (${fname[$k]})"
                got=$(brotli -dc <"$b" | sha256sum | cut -d' ' -f1)
            elif [[ -z $ce ]]; then
                got=$(sha256sum <"$b" | cut -d' ' -f1)
            else
                die "$s sent Content-Encoding: $ce for ${fname[$k]} ($e)"
            fi
            [[ $got == "$want" ]] || die "$s: body of ${fname[$k]} ($e, Content-Encoding '${ce:-none}') differs from the source file"
            if [[ $e == br && -z $ce ]]; then
                [[ $s == osp ]] || die "$s did not answer br for ${fname[$k]}"
                osp_br[$k]=0
            elif [[ $e == br ]]; then
                [[ $s != osp ]] || osp_br[$k]=1
            fi
            [[ $(hdr_value "$h" Content-Length) == "$(stat -c %s "$b")" ]] ||
                die "$s: Content-Length of ${fname[$k]} ($e) does not match the body"
            body_bytes[$s|$k|$e]=$(stat -c %s "$b")
            head_bytes[$s|$k|$e]=$(stat -c %s "$h")
            [[ -n $(hdr_value "$h" Date) ]] || die "$s sent no Date header for ${fname[$k]} ($e)"
            if [[ $s != osp ]]; then
                for name in Content-Type $mirrored; do
                    # nginx always varies; osp only when it has a br variant
                    [[ $name == Vary && ${osp_br[$k]:-1} == 0 ]] && continue
                    a=$(hdr_value "$raw/headers-osp-$k-identity.txt" "$name")
                    n=$(hdr_value "$h" "$name")
                    [[ $a == "$n" ]] || die "header $name differs for ${fname[$k]} ($e): osp '$a', $s '$n'"
                done
            fi
        done
    done
done
log "bodies identical (sha256, br decoded) and headers mirrored for small/medium/large/index on: $servers"
for k in $FILES; do
    if [[ ${osp_br[$k]} == 0 ]]; then log "note: osp has no br variant of ${fname[$k]} yet; its br rows are identity"; fi
done

# ---- measure --------------------------------------------------------------------------------
cpu_ticks() { # pids -> utime+stime ticks of all their threads
    local t=0 p v
    for p; do
        v=$(awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$p/stat" 2>/dev/null || echo 0)
        t=$((t + v))
    done
    echo "$t"
}
ctx_switches() { # pids -> voluntary + involuntary context switches of all their threads
    local p
    for p; do cat /proc/"$p"/task/*/status 2>/dev/null || true; done |
        awk '/^(voluntary|nonvoluntary)_ctxt_switches:/ { s += $2 } END { print s + 0 }'
}
clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)

# wrk output -> "rps p50_ms p99_ms requests non2xx socket_errors MB/s"
parse_wrk() {
    awk '
    function ms(v) {
        if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
        if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
        if (v ~ /m$/) return substr(v, 1, length(v) - 1) * 60000
        if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
        return v + 0
    }
    function mb(v) {
        if (v ~ /GB$/) return substr(v, 1, length(v) - 2) * 1024
        if (v ~ /MB$/) return substr(v, 1, length(v) - 2) + 0
        if (v ~ /KB$/) return substr(v, 1, length(v) - 2) / 1024
        if (v ~ /B$/) return substr(v, 1, length(v) - 1) / 1048576
        return v + 0
    }
    /^Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    / requests in / { req = $1 }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { gsub(",", ""); err = $4 + $6 + $8 + $10 }
    /^Transfer\/sec:/ { mbs = mb($2) }
    END {
        if (rps == "" || p99 == "") exit 1
        printf "%.2f %.3f %.3f %d %d %d %.2f\n", rps, p50, p99, req, bad, err, mbs
    }' "$1"
}
run_wrk() { # out url encoding duration
    timeout $(($(to_seconds "$4") + 30)) wrk -t"$WRK_THREADS" -c"$CONNS" -d"$4" --timeout 10s --latency \
        -H "Accept-Encoding: $3" "$2" >"$1" 2>&1
}

nservers=$(wc -w <<<"$servers")
nrows=$(($(wc -w <<<"$FILES") * $(wc -w <<<"$ENCODINGS")))
est=$((nrows * nservers * (ROUNDS * (dur_s + 1) + warm_s)))
log "measuring $nrows rows x $nservers servers x $ROUNDS rounds: wrk -t$WRK_THREADS -c$CONNS -d$DURATION (warm-up $WARMUP), about $((est / 60)) min $((est % 60)) s"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${load_before%% *}" 'BEGIN { exit !(l > 0.5) }'; then
    log "warning: load average is $load_before; other work on this machine will skew the figures"
fi

declare -A R=()  # "server|file|enc" -> medians: "rps p50 p99 req non2xx errs MB/s cpu_us_per_req ctxsw_per_req"
declare -A RR=() # "server|file|enc|round" -> the same for one round
for ((round = 1; round <= ROUNDS; round++)); do
    for k in $FILES; do
        for e in $ENCODINGS; do
            for s in $servers; do
                url=$(server_url "$s" "$k")
                out=$raw/wrk-$s-$k-$e-r$round.txt
                if ((warm_s > 0 && round == 1)); then
                    run_wrk "$raw/warmup-$s-$k-$e.txt" "$url" "$e" "$WARMUP" || die "wrk warm-up failed for $s $k $e"
                fi
                pids=$(server_pids "$s")
                # shellcheck disable=SC2086
                t0=$(cpu_ticks $pids) c0=$(ctx_switches $pids)
                run_wrk "$out" "$url" "$e" "$DURATION" || die "wrk failed for $s $k $e: $(tail -3 "$out")"
                # shellcheck disable=SC2086
                t1=$(cpu_ticks $pids) c1=$(ctx_switches $pids)
                m=$(parse_wrk "$out") || die "cannot parse $out"
                read -r rps p50 p99 req bad errs mbs <<<"$m"
                ((bad == 0)) || die "$s $k $e: $bad non-2xx/3xx responses (see $out)"
                ((req > 0)) || die "$s $k $e: no requests completed"
                extra=$(awk -v t="$((t1 - t0))" -v c="$((c1 - c0))" -v r="$req" -v hz="$clk_tck" \
                    'BEGIN { printf "%.1f %.2f", t / hz * 1e6 / r, c / r }')
                RR[$s|$k|$e|$round]="$m $extra"
                log "$(printf 'round %d/%d %-9s %-7s %-8s %10.0f req/s  p99 %8.3f ms  %6.1f us CPU/req%s' "$round" "$ROUNDS" \
                    "$s" "$k" "$e" "$rps" "$p99" "${extra%% *}" "$( ((errs == 0)) || echo "  ($errs socket errors)")")"
            done
        done
    done
done
# Per field, the median over the rounds (the lower middle for an even count).
for key in "${!RR[@]}"; do
    base_key=${key%|*}
    [[ -n ${R[$base_key]:-} ]] && continue
    R[$base_key]=$(for ((round = 1; round <= ROUNDS; round++)); do echo "${RR[$base_key|$round]}"; done | awk '
        { for (i = 1; i <= NF; i++) v[i, NR] = $i; nf = NF }
        END {
            for (i = 1; i <= nf; i++) {
                for (a = 1; a <= NR; a++) col[a] = v[i, a] + 0
                for (a = 2; a <= NR; a++) for (b = a; b > 1 && col[b - 1] > col[b]; b--) { t = col[b]; col[b] = col[b - 1]; col[b - 1] = t }
                printf "%s%s", (i > 1 ? " " : ""), col[int((NR + 1) / 2)]
            }
            printf "\n"
        }')
done
ratio_range() { # file enc field(1 rps, 3 p99) nginx-server -> "min-max" of the per-round osp/nginx ratios
    local r lo="" hi="" a b x
    for ((r = 1; r <= ROUNDS; r++)); do
        read -ra a <<<"${RR[osp|$1|$2|$r]}"
        read -ra b <<<"${RR[$4|$1|$2|$r]}"
        x=$(awk -v p="${a[$(($3 - 1))]}" -v q="${b[$(($3 - 1))]}" 'BEGIN { printf "%.2f", (q > 0 ? p / q : 0) }')
        if [[ -z $lo ]] || awk -v x="$x" -v l="$lo" 'BEGIN { exit !(x < l) }'; then lo=$x; fi
        if [[ -z $hi ]] || awk -v x="$x" -v h="$hi" 'BEGIN { exit !(x > h) }'; then hi=$x; fi
    done
    echo "$lo-$hi"
}
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
sleep 1
rss_after_runs=$(rss_kb "$osp_pid")
hwm_after_runs=$(hwm_kb "$osp_pid")
declare -A ngx_rss=()
for w in $NGINX_WORKERS; do
    t=0
    for p in $(server_pids "nginx-w$w"); do t=$((t + $(rss_kb "$p"))); done
    ngx_rss[$w]=$t
done

# ---- publish throughput ---------------------------------------------------------------------
pub_total_ms=0 pub_p50_ms=0 pub_max_ms=0 pub_rate=0 pub_bundle_bytes=0
if ((PUBLISH_COUNT > 0)); then
    pubdir=$work/publish
    mkdir -p "$pubdir"
    log "packing $PUBLISH_COUNT bundles of ${PUBLISH_KB} KiB (not timed)"
    for ((i = 1; i <= PUBLISH_COUNT; i++)); do
        d=$pubdir/v$i
        mkdir -p "$d"
        sed -e "s/\"id\": \"$PLUGIN_ID\"/\"id\": \"bench.publish\"/" -e "s/\"version\": \"1.0.0\"/\"version\": \"1.0.$i\"/" \
            "$plugin/osplugin.json" >"$d/osplugin.json"
        cp -- "$plugin/index.html" "$d/"
        head -c $((PUBLISH_KB * 1024)) /dev/urandom >"$d/blob.bin"
        timeout 60 "$osp" pack "$d" -k "$data/K.key" -o "$pubdir/v$i.osplugin" >/dev/null || die "osp pack v$i failed"
        pub_bundle_bytes=$((pub_bundle_bytes + $(stat -c %s "$pubdir/v$i.osplugin")))
    done
    log "publishing $PUBLISH_COUNT bundles (bench.publish 1.0.1 .. 1.0.$PUBLISH_COUNT) with osp publish"
    : >"$raw/publish-ms.txt"
    for ((i = 1; i <= PUBLISH_COUNT; i++)); do
        a=$(date +%s%N)
        o=$(timeout 60 "$osp" publish "$pubdir/v$i.osplugin" --server "http://127.0.0.1:$app_port" --token "$token" 2>&1) ||
            die "osp publish v$i failed: $o"
        b=$(date +%s%N)
        echo $(((b - a) / 1000)) >>"$raw/publish-ms.txt" # microseconds
    done
    read -r pub_total_ms pub_p50_ms pub_max_ms pub_rate < <(sort -n "$raw/publish-ms.txt" | awk '
        { v[NR] = $1; s += $1 } END { printf "%.1f %.1f %.1f %.2f\n", s / 1000, v[int((NR + 1) / 2)] / 1000, v[NR] / 1000, NR / (s / 1e6) }')
    pub_bundle_bytes=$((pub_bundle_bytes / PUBLISH_COUNT))
fi
sleep 1
rss_after_publish=$(rss_kb "$osp_pid")
hwm_final=$(hwm_kb "$osp_pid")

# ---- optional profile: syscalls and context switches per request ---------------------------------
declare -A P=()
if [[ $PROFILE == 1 ]]; then
    command -v strace >/dev/null || die "BENCH_PROFILE=1 needs strace (apt-get install strace)"
    for s in $servers; do
        pids=$(server_pids "$s")
        pflags=""
        for p in $pids; do pflags+=" -p $p"; done
        if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
            # shellcheck disable=SC2086
            perf stat -x, -e task-clock,context-switches,cpu-migrations -p "$(tr ' ' ',' <<<"$pids")" \
                -o "$raw/perf-$s.txt" 2>/dev/null &
            pp=$!
            bg_pids+=("$pp")
            sleep 0.5
            run_wrk "$raw/wrk-perf-$s.txt" "$(server_url "$s" small)" identity 5s || true
            kill -INT "$pp" 2>/dev/null || true
            wait "$pp" 2>/dev/null || true
        fi
        # shellcheck disable=SC2086
        strace -c -f $pflags -o "$raw/strace-$s.txt" 2>"$raw/strace-$s.log" &
        sp=$!
        bg_pids+=("$sp")
        sleep 1
        run_wrk "$raw/wrk-strace-$s.txt" "$(server_url "$s" small)" identity 5s || true
        sleep 0.5
        kill -INT "$sp" 2>/dev/null || true
        wait "$sp" 2>/dev/null || true
        req=$(awk '/ requests in / { print $1 }' "$raw/wrk-strace-$s.txt")
        # strace -c rows: % time, seconds, usecs/call, calls, [errors,] syscall
        P[$s]=$(awk -v r="${req:-0}" '
            $1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { c[$NF] = $4; sum += $4 }
            END {
                if (r <= 0) { print "no requests"; exit }
                printf "%.2f syscalls/req:", sum / r
                n = 0
                for (k in c) if (c[k] / r >= 0.05) printf " %s=%.2f", k, c[k] / r
                printf "\n"
            }' "$raw/strace-$s.txt")
        if [[ -f $raw/perf-$s.txt ]]; then
            preq=$(awk '/ requests in / { print $1 }' "$raw/wrk-perf-$s.txt")
            P[$s]+=" | $(awk -F, -v r="${preq:-0}" '$3 == "task-clock" { t = $1 } $3 == "context-switches" { c = $1 } $3 == "cpu-migrations" { m = $1 }
                END { if (r > 0) printf "perf: %.1f us CPU/req, %.2f ctx-switches/req, %.3f migrations/req, %.0f req/s (5 s)", t * 1000 / r, c / r, m / r, r / 5 }' "$raw/perf-$s.txt")"
        fi
        log "profile $s small.js identity: ${P[$s]}"
    done
fi

# ---- report ---------------------------------------------------------------------------------
field() { # "server|file|enc" index(1-based) -> value
    local -a a
    read -ra a <<<"${R[$1]}"
    echo "${a[$(($2 - 1))]}"
}
best_nginx() { # file enc -> server with the highest req/s
    local b="" br=0 s r
    for s in $servers; do
        [[ $s == osp ]] && continue
        r=$(field "$s|$1|$2" 1)
        if [[ -z $b ]] || awk -v a="$r" -v b="$br" 'BEGIN { exit !(a > b) }'; then b=$s br=$r; fi
    done
    echo "$b"
}

git_rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$root" status --porcelain 2>/dev/null) ]]; then git_rev="$git_rev (dirty tree)"; fi
nginx_ver=$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')
wrk_ver=$({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $2 }') # wrk -v exits 1

echo
echo "osp serve vs nginx $nginx_ver: plugin assets over HTTP/1.1 keep-alive on 127.0.0.1"
echo "osp $git_rev (binary sha256 $osp_sha...), --plugin-workers $OSP_WORKERS; wrk $wrk_ver -t$WRK_THREADS -c$CONNS -d$DURATION --latency (after a $WARMUP warm-up), $ROUNDS rounds interleaved"
echo "$(nproc) CPUs, $(uname -r); server and wrk share the CPUs; load average before $load_before, after $load_after"
echo "baseline: nginx worker_processes {${NGINX_WORKERS// /, }} (per row the faster if several; column 'ngx'); figures are medians over the rounds, ratios osp/nginx of the medians, 'range' the lowest and highest per-round ratio"
echo
printf '%-10s %-9s %11s %11s %-4s %8s %11s %9s %9s %9s %11s\n' file encoding "osp req/s" "nginx req/s" ngx "req/s" "" "osp p99" "ngx p99" "p99" ""
printf '%-10s %-9s %11s %11s %-4s %8s %11s %9s %9s %9s %11s\n' "" "" "" "" "" "ratio" "range" "ms" "ms" "ratio" "range"
printf '%-10s %-9s %11s %11s %-4s %8s %11s %9s %9s %9s %11s\n' "" "" "" "" "" "(high=ok)" "" "" "" "(low=ok)" ""
notes=()
for k in $FILES; do
    for e in $ENCODINGS; do
        n=$(best_nginx "$k" "$e")
        or=$(field "osp|$k|$e" 1) nr=$(field "$n|$k|$e" 1)
        op=$(field "osp|$k|$e" 3) np=$(field "$n|$k|$e" 3)
        label=$e
        if [[ $e == br && ${osp_br[$k]} == 0 ]]; then
            label="br*"
        fi
        awk -v f="${fname[$k]}" -v e="$label" -v or="$or" -v nr="$nr" -v w="${n#nginx-}" -v op="$op" -v np="$np" \
            -v rr="$(ratio_range "$k" "$e" 1 "$n")" -v pr="$(ratio_range "$k" "$e" 3 "$n")" 'BEGIN {
            printf "%-10s %-9s %11.0f %11.0f %-4s %7.2fx %11s %9.3f %9.3f %8.2fx %11s\n", f, e, or, nr, w, or / nr, rr, op, np, (np > 0 ? op / np : 0), pr }'
    done
done
for k in $FILES; do
    if [[ " $ENCODINGS " == *" br "* && ${osp_br[$k]} == 0 ]]; then
        notes+=("br* ${fname[$k]}: (identity: osp has no br variant yet) osp sent ${body_bytes[osp|$k|br]} bytes, nginx ${body_bytes[nginx-w${NGINX_WORKERS%% *}|$k|br]} (brotli -q 11)")
    fi
done
for n in "${notes[@]}"; do echo "$n"; done

echo
echo "every server measured (server CPU and context switches per request from /proc; body and header bytes per response):"
printf '%-9s %-10s %-9s %10s %9s %9s %8s %10s %9s %8s %7s\n' server file encoding "req/s" "p50 ms" "p99 ms" "MB/s" "CPU us/req" "ctxsw/req" "body B" "head B"
for k in $FILES; do
    for e in $ENCODINGS; do
        for s in $servers; do
            read -r rps p50 p99 req bad errs mbs cpu cs <<<"${R[$s|$k|$e]}"
            printf '%-9s %-10s %-9s %10.0f %9.3f %9.3f %8.1f %10.1f %9.2f %8s %7s%s\n' "$s" "${fname[$k]}" "$e" "$rps" "$p50" "$p99" "$mbs" "$cpu" "$cs" \
                "${body_bytes[$s|$k|$e]}" "${head_bytes[$s|$k|$e]}" "$( ((errs == 0)) || echo "  $errs socket errors")"
        done
    done
done

echo
echo "osp serve RSS: ${rss_start} kB idle after start-up, ${rss_published} kB after the first publish, ${rss_after_runs} kB idle after the runs (peak ${hwm_after_runs} kB), ${rss_after_publish} kB after the publish runs (peak ${hwm_final} kB)"
for w in $NGINX_WORKERS; do echo "nginx worker_processes $w RSS (master + workers) after the runs: ${ngx_rss[$w]} kB"; done
if ((PUBLISH_COUNT > 0)); then
    echo "publish: $PUBLISH_COUNT distinct bundles (~$((pub_bundle_bytes / 1024)) KiB each) in ${pub_total_ms} ms = ${pub_rate} bundles/s (per bundle: median ${pub_p50_ms} ms, max ${pub_max_ms} ms; osp publish process included, no baseline)"
fi
if [[ $PROFILE == 1 ]]; then
    echo
    for s in $servers; do echo "profile $s (small.js, identity): ${P[$s]}"; done
fi

# ---- results.json ------------------------------------------------------------------------------
json=$work/results.json
{
    printf '{\n  "benchmark": "bench/http",\n  "date": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf '  "osp": {"git": "%s", "binary_sha256_prefix": "%s", "plugin_workers": %d},\n' "$git_rev" "$osp_sha" "$OSP_WORKERS"
    printf '  "nginx": {"version": "%s", "worker_processes": [%s]},\n' "$nginx_ver" "$(sed 's/ /, /g' <<<"$NGINX_WORKERS")"
    printf '  "wrk": {"version": "%s", "threads": %d, "connections": %d, "duration": "%s", "warmup": "%s", "rounds": %d},\n' \
        "$wrk_ver" "$WRK_THREADS" "$CONNS" "$DURATION" "$WARMUP" "$ROUNDS"
    printf '  "machine": {"cpus": %d, "kernel": "%s", "loadavg_before": "%s", "loadavg_after": "%s"},\n' \
        "$(nproc)" "$(uname -r)" "$load_before" "$load_after"
    printf '  "files": {'
    sep=""
    for k in small medium large index; do
        printf '%s"%s": {"bytes": %d, "br_bytes": %d, "osp_has_br": %s}' "$sep" "${fname[$k]}" "${fsize[$k]}" \
            "$(stat -c %s "$www$base/${fname[$k]}.br")" "$([[ ${osp_br[$k]} == 1 ]] && echo true || echo false)"
        sep=", "
    done
    printf '},\n  "runs": [\n'
    sep=""
    for k in $FILES; do
        for e in $ENCODINGS; do
            for s in $servers; do
                read -r rps p50 p99 req bad errs mbs cpu cs <<<"${R[$s|$k|$e]}"
                printf '%s    {"server": "%s", "file": "%s", "encoding": "%s", "requests_per_s": %s, "p50_ms": %s, "p99_ms": %s, "requests": %s, "non_2xx_3xx": %s, "socket_errors": %s, "transfer_mb_per_s": %s, "server_cpu_us_per_request": %s, "context_switches_per_request": %s, "body_bytes": %s, "header_bytes": %s, "content_encoding": "%s"}' \
                    "$sep" "$s" "${fname[$k]}" "$e" "$rps" "$p50" "$p99" "$req" "$bad" "$errs" "$mbs" "$cpu" "$cs" \
                    "${body_bytes[$s|$k|$e]}" "${head_bytes[$s|$k|$e]}" \
                    "$(if [[ $e == br && ($s != osp || ${osp_br[$k]} == 1) ]]; then echo br; else echo identity; fi)"
                sep=$',\n'
            done
        done
    done
    printf '\n  ],\n  "ratios": [\n'
    sep=""
    for k in $FILES; do
        for e in $ENCODINGS; do
            n=$(best_nginx "$k" "$e")
            printf '%s    {"file": "%s", "encoding": "%s", "nginx": "%s", "rounds_requests_per_s_ratio_range": "%s", "rounds_p99_ratio_range": "%s", "requests_per_s_osp_over_nginx": %s, "p99_osp_over_nginx": %s}' \
                "$sep" "${fname[$k]}" "$e" "$n" "$(ratio_range "$k" "$e" 1 "$n")" "$(ratio_range "$k" "$e" 3 "$n")" \
                "$(awk -v a="$(field "osp|$k|$e" 1)" -v b="$(field "$n|$k|$e" 1)" 'BEGIN { printf "%.4f", a / b }')" \
                "$(awk -v a="$(field "osp|$k|$e" 3)" -v b="$(field "$n|$k|$e" 3)" 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }')"
            sep=$',\n'
        done
    done
    printf '\n  ],\n  "osp_rss_kb": {"idle_after_start": %d, "after_first_publish": %d, "idle_after_runs": %d, "peak_after_runs": %d, "after_publish_runs": %d, "peak": %d},\n' \
        "$rss_start" "$rss_published" "$rss_after_runs" "$hwm_after_runs" "$rss_after_publish" "$hwm_final"
    printf '  "nginx_rss_kb": {'
    sep=""
    for w in $NGINX_WORKERS; do
        printf '%s"worker_processes_%s": %d' "$sep" "$w" "${ngx_rss[$w]}"
        sep=", "
    done
    printf '},\n  "publish": {"bundles": %d, "content_kib": %d, "mean_bundle_bytes": %d, "total_ms": %s, "median_ms": %s, "max_ms": %s, "bundles_per_s": %s}' \
        "$PUBLISH_COUNT" "$PUBLISH_KB" "$pub_bundle_bytes" "$pub_total_ms" "$pub_p50_ms" "$pub_max_ms" "$pub_rate"
    if [[ $PROFILE == 1 ]]; then
        printf ',\n  "profile_small_identity": {'
        sep=""
        for s in $servers; do
            printf '%s"%s": "%s"' "$sep" "$s" "${P[$s]}"
            sep=", "
        done
        printf '}'
    fi
    printf '\n}\n'
} >"$json"
echo
echo "raw numbers: $json (wrk outputs and server logs in $raw and $work)"
