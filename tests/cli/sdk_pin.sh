#!/usr/bin/env bash
# Every page that loads the plugin SDK pins the SDK the host serves now:
# a stale integrity would make the browser refuse the SDK and the plugin
# would never start.  Fix with scripts/pin-sdk.
#   sdk_pin.sh OSP PAGE…
set -euo pipefail
osp=$1
shift
tag=$("$osp" sdk-tag)
[[ $tag == *'integrity="sha256-'* ]] || { echo "sdk-tag printed no integrity: $tag" >&2; exit 1; }
bad=0 seen=0
for page in "$@"; do
  grep -q '/_osp/sdk/' "$page" || continue
  seen=$((seen + 1))
  if ! grep -qF "$tag" "$page"; then
    echo "$page: the SDK tag is not '$tag' (run scripts/pin-sdk)" >&2
    bad=1
  fi
done
((seen > 0)) || { echo "no page loads the SDK" >&2; exit 1; }
# A changed SDK must change the tag.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/sdk/v1"
cp "$(dirname "$0")/../../shell/sdk/v1/osp.js" "$tmp/sdk/v1/osp.js"
[[ $("$osp" sdk-tag --shell-dir "$tmp") == "$tag" ]] || { echo "same SDK, different tag" >&2; exit 1; }
echo '// changed' >>"$tmp/sdk/v1/osp.js"
[[ $("$osp" sdk-tag --shell-dir "$tmp") != "$tag" ]] || { echo "changed SDK, same tag" >&2; exit 1; }
if "$osp" sdk-tag --shell-dir "$tmp/missing" 2>/dev/null; then echo "missing SDK accepted" >&2; exit 1; fi
echo "$seen pages pin the current SDK"
exit $bad
