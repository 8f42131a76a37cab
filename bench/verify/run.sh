#!/usr/bin/env bash
# Benchmark (not a test): bundle verification throughput.
#
# Measures, in one run and on the same data:
#   (a) osp verify X.osplugin -p KEY.pub
#       decompress (brotli) + unpack (ustar) + signature + trusted-comment
#       binding + manifest validation + sha256/size of every file, in memory.
#   (b) baseline: what a careful person does with standard tools on an
#       ALREADY-UNPACKED bundle:
#         minisign -Vm DIR/osplugin.json -x DIR/osplugin.json.minisig -p KEY.pub -q \
#           && (cd DIR && sha256sum -c --quiet SUMS)
#       SUMS is prepared beforehand from the manifest's "files".  The
#       baseline does NOT decompress or unpack; osp does.
#   (c) brotli -dc X.osplugin > /dev/null: decompression's share on its own.
# and reports osp/baseline (lower is better) and osp MB/s per bundle size.
#
# Everything happens in a fresh temporary directory; nothing in the repository
# is written.  results.json and the raw hyperfine JSON stay in that directory
# (its path is printed); the generated bundles, unpacked copies and the copy of
# osp are deleted unless BENCH_KEEP=1.
#
# Environment (all optional):
#   OSP_BIN          osp binary (default: build/osp); copied into the work dir
#                    first so a concurrent rebuild cannot swap it mid-run
#   BENCH_SIZES      bundle sizes in MiB of file content (default "1 10", each 1..60)
#   BENCH_WARMUP     hyperfine warmup runs (default 3)
#   BENCH_MIN_RUNS   hyperfine minimum runs (default 50, at least 10)
#   BENCH_MAX_RUNS   hyperfine maximum runs (default 300)
#   BENCH_BUDGET     wall-clock budget in seconds for the whole script (default 170)
#   BENCH_KEEP=1     keep the generated plugins, bundles and unpacked copies
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

OSP_BIN=${OSP_BIN:-$root/build/osp}
SIZES=${BENCH_SIZES:-"1 10"}
WARMUP=${BENCH_WARMUP:-3}
MIN_RUNS=${BENCH_MIN_RUNS:-50}
MAX_RUNS=${BENCH_MAX_RUNS:-300}
BUDGET=${BENCH_BUDGET:-170}
KEEP=${BENCH_KEEP:-0}
EXAMPLE=$root/docs/examples/contacts-widget

start=$SECONDS
log() { printf 'bench/verify: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}
remaining() { echo $((BUDGET - (SECONDS - start))); }

for n in "$WARMUP" "$MIN_RUNS" "$MAX_RUNS" "$BUDGET"; do
    [[ $n =~ ^[0-9]+$ ]] || die "BENCH_WARMUP/MIN_RUNS/MAX_RUNS/BUDGET must be integers"
done
((MIN_RUNS >= 10)) || die "BENCH_MIN_RUNS must be at least 10"
((MAX_RUNS >= MIN_RUNS)) || die "BENCH_MAX_RUNS must be >= BENCH_MIN_RUNS"
for s in $SIZES; do
    [[ $s =~ ^[0-9]+$ ]] && ((s >= 1 && s <= 60)) || die "BENCH_SIZES: '$s' is not an integer in 1..60 (MiB)"
done
[[ -f $EXAMPLE/osplugin.json ]] || die "missing $EXAMPLE/osplugin.json"

# ---- tools ------------------------------------------------------------------
# hyperfine, minisign, brotli as asked; jq reads the manifest and the results.
missing=()
for t in hyperfine minisign brotli jq; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
if ((${#missing[@]})); then
    [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! timeout 300 apt-get install -y "${missing[@]}" >/dev/null; then
        timeout 300 apt-get update >/dev/null
        timeout 300 apt-get install -y "${missing[@]}" >/dev/null
    fi
fi
for t in tar sha256sum timeout head; do
    command -v "$t" >/dev/null 2>&1 || die "missing $t"
done

# ---- work dir and a stable copy of osp ----------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/osp-bench-verify.XXXXXX")
data=$work/data
mkdir "$data"
cleanup() {
    if [[ $KEEP != 1 ]]; then rm -rf -- "$data" "$work/osp"; fi
}
trap cleanup EXIT
log "work dir $work"

# build/osp may be missing for a moment while someone rebuilds; wait a bit.
osp=$work/osp
for attempt in $(seq 1 12); do
    if [[ -x $OSP_BIN ]] && cp -- "$OSP_BIN" "$osp" 2>/dev/null && "$osp" help >/dev/null 2>&1; then
        break
    fi
    rm -f -- "$osp"
    ((attempt < 12)) || die "$OSP_BIN is missing or does not run (waited 2 minutes)"
    log "$OSP_BIN not usable yet (rebuild in progress?); retrying in 10 s"
    sleep 10
done
start=$SECONDS # the budget covers the benchmark, not waiting for a rebuild

q() { printf '%q' "$1"; }

# ---- data -------------------------------------------------------------------
"$osp" keygen -o "$data/key" --no-password >/dev/null
pub=$data/key.pub

declare -A files_of bytes_of bundle_of dir_of sums_of
for s in $SIZES; do
    label=${s}mb
    plugin=$data/plugin-$label
    mkdir "$plugin"
    cp -- "$EXAMPLE/widget.html" "$EXAMPLE/widget.css" "$EXAMPLE/widget.js" "$plugin/"
    jq --arg id "bench.verify-$label" '.id = $id' "$EXAMPLE/osplugin.json" >"$plugin/osplugin.json"
    # Incompressible content: at least 4 files, at most 1 MiB each.
    nfiles=$((s < 4 ? 4 : s))
    per=$((s * 1048576 / nfiles))
    for ((i = 0; i < nfiles; i++)); do
        head -c "$per" /dev/urandom >"$plugin/asset-$i.bin"
    done

    bundle=$data/bundle-$label.osplugin
    timeout "$(remaining)" "$osp" pack "$plugin" -k "$data/key.key" -o "$bundle" >/dev/null

    dir=$data/unpacked-$label
    mkdir "$dir"
    brotli -dc -- "$bundle" | tar -x -C "$dir"

    sums=$data/sums-$label.txt
    jq -r '.files | to_entries[] | "\(.value.sha256)  \(.key)"' "$dir/osplugin.json" >"$sums"
    nsums=$(wc -l <"$sums")
    nunpacked=$(find "$dir" -type f ! -name osplugin.json ! -name osplugin.json.minisig | wc -l)
    ((nsums == nunpacked)) || die "$label: manifest lists $nsums files, bundle holds $nunpacked"

    files_of[$s]=$nsums
    bytes_of[$s]=$(jq '[.files[].size] | add' "$dir/osplugin.json")
    bundle_of[$s]=$bundle
    dir_of[$s]=$dir
    sums_of[$s]=$sums
    log "$label: $nsums files, ${bytes_of[$s]} bytes of content, $(stat -c %s "$bundle") bytes bundled"
done

cmd_osp() { echo "$(q "$osp") verify $(q "${bundle_of[$1]}") -p $(q "$pub") >/dev/null"; }
cmd_base() {
    local d=${dir_of[$1]}
    echo "minisign -Vm $(q "$d/osplugin.json") -x $(q "$d/osplugin.json.minisig") -p $(q "$pub") -q" \
        "&& (cd $(q "$d") && sha256sum -c --quiet $(q "${sums_of[$1]}"))"
}
cmd_brotli() { echo "brotli -dc $(q "${bundle_of[$1]}") >/dev/null"; }

# ---- sanity: every command succeeds, and the baseline really checks ------------
for s in $SIZES; do
    sh -c "$(cmd_osp "$s")" || die "osp verify fails on ${s}mb"
    sh -c "$(cmd_base "$s")" || die "baseline fails on ${s}mb"
    sh -c "$(cmd_brotli "$s")" || die "brotli -dc fails on ${s}mb"
done
first=${SIZES%% *}
tampered=$data/tampered
cp -r -- "${dir_of[$first]}" "$tampered"
printf 'X' | dd of="$tampered/asset-0.bin" bs=1 seek=100 conv=notrunc status=none
if (cd "$tampered" && sha256sum -c --quiet "${sums_of[$first]}") >/dev/null 2>&1; then
    die "baseline accepted a tampered file; SUMS is wrong"
fi
rm -rf -- "$tampered"

# ---- measure ------------------------------------------------------------------
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${load_before%% *}" 'BEGIN { exit !(l > 0.5) }'; then
    log "warning: load average is $load_before; other work on this machine will skew the figures"
fi

for s in $SIZES; do
    left=$(remaining)
    ((left > 5)) || die "time budget (${BUDGET}s) used up before ${s}mb; lower BENCH_MAX_RUNS or BENCH_SIZES"
    log "measuring ${s}mb (budget left ${left}s)"
    timeout "$left" hyperfine --style basic --shell sh \
        --warmup "$WARMUP" --min-runs "$MIN_RUNS" --max-runs "$MAX_RUNS" \
        --export-json "$work/hyperfine-${s}mb.json" \
        -n "osp verify ${s}mb" "$(cmd_osp "$s")" \
        -n "baseline ${s}mb" "$(cmd_base "$s")" \
        -n "brotli -dc ${s}mb" "$(cmd_brotli "$s")" >&2 ||
        die "hyperfine failed or ran out of time on ${s}mb"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- results ------------------------------------------------------------------
git_rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$root" status --porcelain 2>/dev/null) ]]; then git_rev="$git_rev (dirty tree)"; fi

sizes_json=$work/sizes.json
: >"$sizes_json"
for s in $SIZES; do
    jq -c --arg lbl "${s}mb" --argjson mib "$s" \
        --argjson files "${files_of[$s]}" --argjson bytes "${bytes_of[$s]}" \
        --argjson bundle_bytes "$(stat -c %s "${bundle_of[$s]}")" \
        --arg osp_cmd "$(cmd_osp "$s")" --arg base_cmd "$(cmd_base "$s")" --arg br_cmd "$(cmd_brotli "$s")" '
        def pick: { mean_s: .mean, stddev_s: .stddev, median_s: .median,
                    min_s: .min, max_s: .max, runs: (.times | length) };
        .results as $r
        | { label: $lbl, content_mib: $mib, files: $files, content_bytes: $bytes,
            bundle_bytes: $bundle_bytes,
            osp_verify: ($r[0] | pick + { command: $osp_cmd }),
            baseline: ($r[1] | pick + { command: $base_cmd }),
            brotli_dc: ($r[2] | pick + { command: $br_cmd }),
            ratio_osp_over_baseline: ($r[0].mean / $r[1].mean),
            ratio_osp_over_baseline_median: ($r[0].median / $r[1].median),
            osp_mb_per_s: ($bytes / 1e6 / $r[0].mean),
            baseline_mb_per_s: ($bytes / 1e6 / $r[1].mean) }' \
        "$work/hyperfine-${s}mb.json" >>"$sizes_json"
done

results=$work/results.json
jq -s \
    --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --arg kernel "$(uname -sr)" \
    --arg cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
    --argjson nproc "$(nproc)" \
    --arg load_before "$load_before" --arg load_after "$load_after" \
    --arg osp_src "$OSP_BIN" --arg osp_sha "$(sha256sum "$osp" | cut -d' ' -f1)" --arg git "$git_rev" \
    --arg hyperfine "$(hyperfine --version)" --arg minisign "$(minisign -v 2>&1 | head -1)" \
    --arg brotli "$(brotli --version 2>&1 | head -1)" --arg sha256sum "$(sha256sum --version | head -1)" \
    --argjson warmup "$WARMUP" --argjson min_runs "$MIN_RUNS" --argjson max_runs "$MAX_RUNS" '
    { benchmark: "verify",
      note: "ratio = osp verify mean / baseline mean, lower is better; the baseline runs on an already-unpacked bundle (no decompression), osp verify decompresses and unpacks; MB = 10^6 bytes of file content",
      date: $date,
      machine: { kernel: $kernel, cpu: $cpu, nproc: $nproc,
                 loadavg_before: $load_before, loadavg_after: $load_after },
      osp: { binary: $osp_src, sha256: $osp_sha, git: $git },
      tools: { hyperfine: $hyperfine, minisign: $minisign, brotli: $brotli, sha256sum: $sha256sum },
      hyperfine: { warmup: $warmup, min_runs: $min_runs, max_runs: $max_runs, shell: "sh" },
      sizes: . }' "$sizes_json" >"$results"
rm -f -- "$sizes_json"

# ---- table --------------------------------------------------------------------
echo
echo "bundle verification: osp verify vs minisign + sha256sum -c on an unpacked bundle"
echo "(ratio = osp/baseline of the means, lower is better; baseline does no decompression, osp does;"
echo " median ratio = the same from the medians, less sensitive to outliers; MB/s = 10^6 B of file content / osp mean)"
echo
jq -r '.sizes[] | [ .label, .files, .osp_verify.mean_s * 1000, .osp_verify.stddev_s * 1000,
    .baseline.mean_s * 1000, .baseline.stddev_s * 1000, .ratio_osp_over_baseline,
    .ratio_osp_over_baseline_median,
    .brotli_dc.mean_s * 1000, .osp_mb_per_s ] | @tsv' "$results" |
    awk -F'\t' '
        BEGIN { printf "%-6s %5s  %-16s  %-16s  %5s  %12s  %13s  %8s\n", "size", "files", "osp mean ms",
                       "baseline mean ms", "ratio", "median ratio", "brotli -dc ms", "osp MB/s" }
        { printf "%-6s %5d  %7.2f +- %-5.2f  %7.2f +- %-5.2f  %5.2f  %12.2f  %13.2f  %8.0f\n",
                 $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }'
echo
echo "load average before/after: $load_before / $load_after"
echo "results: $results"
log "done in $((SECONDS - start))s"
