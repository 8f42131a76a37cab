# Shared helpers for the CLI tests (sourced).
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_fail CODE CMD...: the command fails and reports "osp: CODE:".
expect_fail() {
  local code=$1; shift
  local out
  if out=$("$@" 2>&1); then fail "'$*' succeeded"; fi
  grep -q "osp: $code:" <<<"$out" || fail "'$*' did not report $code: $out"
}
