# Deterministic, code-like JavaScript of exactly `size` bytes, for
# bench/http/run.sh:  awk -v size=51200 -f gen-js.awk > medium.js
#
# A Park-Miller PRNG (exact in awk's doubles, so mawk and gawk agree) picks
# templates, names, numbers and short random tokens, so the text has some of
# the variety of real code instead of one line repeated; brotli -q 11
# compresses it roughly 3x (1 KB), 8x (50 KB) and 12x (1 MB).  The output
# ends on a whole chunk followed by a comment that pads it to `size`.
function rnd(n) { seed = (seed * 16807) % 2147483647; return seed % n }
function pick(list,   a, k) { k = split(list, a, " "); return a[rnd(k) + 1] }
function ident() { return pick(VERBS) pick(NOUNS) }
function token(n,   s, k) { s = ""; for (k = 0; k < n; k++) s = s substr(ALNUM, rnd(36) + 1, 1); return s }
function chunk(i,   t, f, g, n, s) {
    t = rnd(6); f = ident(); g = pick(NOUNS); n = rnd(10000)
    s = tolower(substr(g, 1, 1)) substr(g, 2)
    if (t == 0)
        return "export function " f "_" i "(" s ", options = {}) {\n" \
               "  const el = document.createElement(\"" pick(TAGS) "\");\n" \
               "  el.className = \"osp-" tolower(g) " osp-" tolower(g) "--\" + (" s ".index % " (rnd(9) + 2) ");\n" \
               "  if (options.highlight === " n ") el.classList.add(\"is-" token(6) "\");\n" \
               "  el.dataset." tolower(pick(NOUNS)) " = \"" token(8) "\";\n" \
               "  el.textContent = `${" s ".title ?? \"\"} (${" s ".count ?? 0})`;\n" \
               "  return el;\n}\n\n"
    if (t == 1)
        return "const " s "Cache" i " = new Map();\n" \
               "async function " f "_" i "(id) {\n" \
               "  if (" s "Cache" i ".has(id)) return " s "Cache" i ".get(id);\n" \
               "  const res = await osp.rpc(\"data.read:" tolower(g) "\", { id, limit: " (rnd(200) + 1) " });\n" \
               "  if (!res || res.error) throw new Error(\"" tolower(g) " \" + id + \" failed: \" + (res && res.error && res.error.message));\n" \
               "  " s "Cache" i ".set(id, res.records);\n" \
               "  return res.records;\n}\n\n"
    if (t == 2)
        return "function " f "_" i "(list) {\n" \
               "  let total = 0;\n" \
               "  for (let k = 0; k < list.length; k++) {\n" \
               "    const item = list[k];\n" \
               "    if (item." tolower(pick(NOUNS)) " > " n ") total += item.amount * " (rnd(97) + 3) " / 100;\n" \
               "    else if (item." tolower(pick(NOUNS)) "Id === \"" token(10) "\") total -= item.discount || " rnd(1000) ";\n" \
               "  }\n" \
               "  return Math.round(total * 100) / 100;\n}\n\n"
    if (t == 3)
        return "export const " toupper(g) "_" i "_DEFAULTS = Object.freeze({\n" \
               "  pageSize: " (rnd(90) + 10) ",\n" \
               "  sortBy: \"" tolower(pick(NOUNS)) "\",\n" \
               "  label: \"" pick(VERBS) " " tolower(g) "\",\n" \
               "  key: \"" token(12) "\",\n" \
               "  refreshMs: " (rnd(50) + 1) "000,\n" \
               "  color: \"#" sprintf("%06x", rnd(16777216)) "\",\n" \
               "});\n\n"
    if (t == 4)
        return "class " g "View" i " {\n" \
               "  constructor(root, store) {\n" \
               "    this.root = root;\n" \
               "    this.store = store;\n" \
               "    this.unsubscribe = store.subscribe(() => this.render());\n" \
               "  }\n" \
               "  render() {\n" \
               "    const rows = this.store.select(\"" tolower(g) "\").slice(0, " (rnd(50) + 5) ");\n" \
               "    this.root.replaceChildren(...rows.map((r) => " f "_" i "(r)));\n" \
               "  }\n" \
               "  destroy() { this.unsubscribe(); this.root.textContent = \"\"; }\n}\n\n"
    return "// " pick(VERBS) " the " tolower(g) " list when the " tolower(pick(NOUNS)) " changes (" n ").\n" \
           "window.addEventListener(\"" pick(EVENTS) "\", (event) => {\n" \
           "  if (!event.isTrusted) return;\n" \
           "  queueMicrotask(() => " f "_" i "(event.detail || {}));\n" \
           "}, { passive: true });\n\n"
}
BEGIN {
    if (size + 0 < 128) { print "gen-js.awk: size must be at least 128" > "/dev/stderr"; exit 2 }
    seed = 20240601 + size
    VERBS = "render load update format select filter build parse compute sync refresh validate apply merge resolve create remove toggle open close attach detach measure sort group count encode decode normalize schedule"
    NOUNS = "Contact Account Invoice Order Message Widget Record Field Column Row Filter Owner Stage Deal Note Lead Task Event Product Quote Campaign Ticket Payment Address Team Region Report Chart Label Badge Tooltip Dialog Panel Tab Menu Toast Cursor Page Query Cache"
    TAGS = "div span li tr td section article header footer nav button label ul"
    ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
    EVENTS = "resize focus blur online offline storage message visibilitychange pagehide keydown pointerup"
    out = "/* bench.assets: generated for osp bench/http; deterministic. */\n\"use strict\";\n\n"
    used = 0
    for (i = 1; ; i++) {
        c = chunk(i)
        if (used + length(out) + length(c) > size - 8) break
        printf "%s", out; used += length(out); out = c
    }
    printf "%s", out; used += length(out)
    pad = size - used
    # pad >= 8: "/*", spaces, "*/\n"
    line = "/*"; while (length(line) < pad - 3) line = line " "
    printf "%s*/\n", line
}
