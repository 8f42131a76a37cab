#!/usr/bin/env bash
# Save-to-reload latency of `osp dev` (docs/benchmarks.md): writes a plugin
# file N times and measures until the reloaded frame has handshaken and
# made its first call.  Uses build/osp and e2e/node_modules (Playwright
# with Debian's Chromium).  BENCH_RUNS (default 20), BENCH_KEEP=1 keeps
# the work directory.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
osp=${OSP_BIN:-$root/build/osp}
[[ -x $osp ]] || { echo "bench/dev: no $osp (build first)" >&2; exit 1; }
[[ -d $root/e2e/node_modules/@playwright/test ]] || (cd "$root/e2e" && npm ci --no-audit --no-fund >/dev/null)
work=$(mktemp -d /tmp/osp-bench-dev.XXXXXX)
[[ ${BENCH_KEEP:-} == 1 ]] || trap 'rm -rf "$work"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
timeout 300 node "$here/measure.mjs" "$osp" "$work" "${BENCH_RUNS:-20}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
[[ ${BENCH_KEEP:-} == 1 ]] && echo "results: $work/results.json"
exit 0
