# Shared helpers for the CLI tests (sourced).
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
# CMD | has PATTERN...: grep -q that reads all its input.  grep -q exits at
# the first match, and under pipefail the SIGPIPE a still-writing CMD then
# gets would fail the pipeline now and then.
has() { grep "$@" >/dev/null; }
# expect_fail CODE CMD...: the command fails and reports "osp: CODE:".
expect_fail() {
  local code=$1; shift
  local out
  if out=$("$@" 2>&1); then fail "'$*' succeeded"; fi
  grep -q "osp: $code:" <<<"$out" || fail "'$*' did not report $code: $out"
}
