// Runs tests/vectors/cases.json through osp-core.wasm (the Node build of
// the same C core) and requires every result to equal the native result
// byte for byte, and to match the case's expectation.
//   node --no-experimental-fetch run_vectors.mjs osp-core-node.js cases.json native.json
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const [corePath, casesPath, nativePath] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const createOspCore = require(corePath);
const core = await createOspCore();
const base = dirname(casesPath);
const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
const native = JSON.parse(readFileSync(nativePath, 'utf8'));

// Bytes in, a malloc'd NUL-terminated copy out; the caller frees it.
function bytes(buf) {
  const p = core._malloc(buf.length + 1);
  core.HEAPU8.set(buf, p);
  core.HEAPU8[p + buf.length] = 0;
  return [p, buf.length];
}
const str = (s) => bytes(Buffer.from(s, 'utf8'));
const file = (rel) => bytes(readFileSync(join(base, rel)));

function evaluate(c) {
  const held = [];
  const take = ([p, n]) => (held.push(p), [p, n]);
  let out;
  const [m, mlen] = c.manifest ? take(file(c.manifest)) : [0, 0];
  switch (c.kind) {
    case 'manifest':
      out = core._osp_api_manifest_check(m, mlen);
      break;
    case 'verify': {
      const [s, slen] = take(file(c.signature));
      const [k] = take(str(JSON.stringify(c.keys)));
      const [d] = take(str(c.expected_digest));
      out = core._osp_api_verify(m, mlen, s, slen, k, c.use_time, d);
      break;
    }
    case 'bundle': {
      const [b, blen] = take(file(c.bundle));
      const [k] = take(str(JSON.stringify(c.keys)));
      out = core._osp_api_bundle_verify(b, blen, k, c.use_time);
      break;
    }
    case 'csp': {
      const [d] = take(str(c.digest));
      const [p] = take(str(JSON.stringify(c.params)));
      out = core._osp_api_csp(m, mlen, d, p);
      break;
    }
    case 'frame': {
      const [d] = take(str(c.digest));
      const [k] = take(str(c.contribution));
      const [o] = take(str(c.plugin_origin));
      out = core._osp_api_frame(m, mlen, d, k, o, c.offscreen ? 1 : 0);
      break;
    }
    case 'rpc': {
      const [g] = take(str(JSON.stringify(c.grants)));
      const relay = core._osp_api_relay_new(g, 0);
      const [msg, len] = take(str(c.message));
      out = core._osp_api_relay_check(relay, msg, len, 0);
      core._osp_api_relay_free(relay);
      break;
    }
    case 'relay': {
      // Same steps as test_vectors.c; the result must print identically.
      const [g] = take(str(JSON.stringify(c.grants)));
      const [l] = take(str(JSON.stringify(c.limits)));
      const relay = core._osp_api_relay_new(g, l);
      const steps = [];
      for (const step of c.steps) {
        if (step.reply !== undefined) {
          const [id] = take(str(step.reply));
          steps.push(core._osp_api_relay_reply(relay, id));
          continue;
        }
        const [msg, len] = take(str(step.message));
        const one = core._osp_api_relay_check(relay, msg, len, step.at);
        steps.push(JSON.parse(core.UTF8ToString(one)));
        core._osp_api_free(one);
      }
      core._osp_api_relay_free(relay);
      held.forEach((p) => core._free(p));
      return JSON.stringify({ ok: true, steps });
    }
    default:
      throw new Error(`unknown kind ${c.kind}`);
  }
  held.forEach((p) => core._free(p));
  const text = core.UTF8ToString(out);
  core._osp_api_free(out);
  return text;
}

// Deep equality of JSON values, for the expectation subset.
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

let failed = 0;
for (const c of cases) {
  const raw = evaluate(c);
  const got = JSON.parse(raw);
  const problems = [];
  if (raw !== native[c.name]) problems.push(`differs from native:\n  wasm   ${raw}\n  native ${native[c.name]}`);
  for (const [k, v] of Object.entries(c.expect)) {
    if (!same(got[k], v)) problems.push(`${k} is ${JSON.stringify(got[k])}, want ${JSON.stringify(v)}`);
  }
  if (c.codes) {
    const answered = got.steps.map((st) => (typeof st === 'number' ? st : st.ok ? 'ok' : st.code));
    if (!same(answered, c.codes)) problems.push(`steps answered ${JSON.stringify(answered)}, want ${JSON.stringify(c.codes)}`);
  }
  if (problems.length) {
    failed++;
    console.error(`FAIL ${c.name}: ${problems.join('; ')}`);
  }
}
console.error(`${cases.length} vectors through wasm, ${failed} failed`);
process.exit(failed ? 1 : 0);
