#!/usr/bin/env bash
# Benchmark (not a test): the shell's plugin path in Chromium, each figure
# against a baseline measured in the same run (docs/benchmarks.md):
#   a) RPC round trip through the osp relay (plugin SDK -> port -> the
#      shell's Connection and relay check in wasm -> a trivial host handler
#      -> reply) vs a raw MessagePort echo with the same kind of frame
#      (which reads each echo; one that does not is printed beside it):
#      median and p99 of sequential calls, throughput with 100 in flight
#   b) cold mount of 1, 10 and 50 widgets vs as many bare sandboxed iframes
#   c) osp-core.wasm size, raw and brotli
#   d) the wasm core vs WebCrypto: SHA-256 MB/s, Ed25519 verifies/s
#   e) long tasks on the host page while a plugin floods calls
#
# Starts its own osp serve (fresh data directory in a temporary work
# directory, whose path is printed; results.json stays there) and drives
# Debian's Chromium with the Playwright in e2e/node_modules.  Uses the
# existing build/osp and build/wasm; writes nothing in the repository.
#
# Environment (all optional):
#   OSP_BIN, OSP_WASM_DIR, OSP_CHROMIUM   what to run (build/osp, build/wasm, /usr/bin/chromium)
#   BENCH_RTT_CALLS       sequential calls per side and round (default 2000)
#   BENCH_ROUNDS          rounds of each RPC measurement, the sides' order rotating (default 30)
#   BENCH_INFLIGHT_CALLS  calls per throughput round (default 10000)
#   BENCH_MOUNT_SIZES     widget counts for cold mount (default "1 10 50")
#   BENCH_MOUNT_REPS      fresh browser contexts per size and side (default 9)
#   BENCH_FLOOD_MS        length of each flood (default 3000)
#   BENCH_CRYPTO_MS       time per crypto measurement (default 1500)
#   BENCH_PARTS           which of "a b c d e" to run (default all; c is always printed)
#   BENCH_PROFILE=1       also print CPU profiles of an osp and a raw loop, sequential and 100 in flight
#   BENCH_TRACE=1         also print per-event task time per call on each renderer (Chromium trace)
#   BENCH_INSITU=1        also time the host's port handler, postMessage and relay during the loops
#   BENCH_BUDGET          wall-clock limit in seconds (default 600)
#   BENCH_KEEP=1          keep the data directory and the packed plugin
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
log() { printf 'bench/browser: %s\n' "$*" >&2; }

[[ -x ${OSP_BIN:-$root/build/osp} ]] || { log "error: no build/osp: build first (cmake --build build)"; exit 1; }
[[ -f ${OSP_WASM_DIR:-$root/build/wasm}/osp-core.wasm ]] || { log "error: no build/wasm/osp-core.wasm: build first"; exit 1; }
command -v node > /dev/null || { log "error: node is missing (apt-get install nodejs npm)"; exit 1; }
if [[ ! -d $root/e2e/node_modules/@playwright/test ]]; then
    log "installing Playwright into e2e/node_modules (npm ci)"
    (cd "$root/e2e" && timeout 300 npm ci --no-audit --no-fund > /dev/null)
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${load_before%% *}" 'BEGIN { exit !(l > 0.5) }'; then
    log "warning: load average is $load_before; other work on this machine will skew the figures"
fi
rc=0
timeout "${BENCH_BUDGET:-600}" nice node "$here/bench.mjs" || rc=$?
echo "load average before/after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$rc"
