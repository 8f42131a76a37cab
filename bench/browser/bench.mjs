// bench/browser: the shell's real plugin path in Debian's Chromium against
// a real osp serve, each figure next to a baseline measured in the same
// run.  Started by run.sh; docs/benchmarks.md says what each number means.
//
//   app origin    http://127.0.0.1:A  this script: /bench/ (the page) and a
//                                     proxy to osp serve's app listener
//   plugin origin http://localhost:P  osp serve's plugin listener, direct
//
// Different sites, so every plugin frame is cross-origin, sandboxed and in
// its own renderer process, as in production.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const require = createRequire(join(root, 'e2e/package.json'));
const { chromium } = require('@playwright/test');

const osp = process.env.OSP_BIN || join(root, 'build/osp');
const wasmDir = process.env.OSP_WASM_DIR || join(root, 'build/wasm');
const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
// Many short rounds rather than a few long ones: the machine's drift then
// falls on every side alike, and the spread between rounds gives the
// ratio's confidence interval (rounds resampled, see interval()).
const RTT_CALLS = env('BENCH_RTT_CALLS', 2000);
const ROUNDS = env('BENCH_ROUNDS', 30);
const RESAMPLES = 1000;
const THROUGHPUT_ROUNDS = 5;
const INFLIGHT_CALLS = env('BENCH_INFLIGHT_CALLS', 10000);
const INFLIGHT_DEPTH = 100;
const MOUNT_REPS = env('BENCH_MOUNT_REPS', 9);
const MOUNT_SIZES = (process.env.BENCH_MOUNT_SIZES || '1 10 50').split(/\s+/).filter(Boolean).map(Number);
const PARTS = new Set((process.env.BENCH_PARTS || 'a b c d e').split(/\s+/));
const FLOOD_MS = env('BENCH_FLOOD_MS', 3000);
const CRYPTO_MS = env('BENCH_CRYPTO_MS', 1500);
// Quotas for the RPC figures: the defaults (32 in flight, 200 calls/s,
// 1 MiB/s) would refuse most of a benchmark on purpose.  Same checks,
// higher numbers; the flood runs with the defaults as well.
const BENCH_LIMITS = { max_in_flight: 256, calls_per_second: 1e7, bytes_per_second: 1e9 };

const run = (args) => execFileSync(osp, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const log = (...a) => console.error('bench/browser:', ...a);

function freePort() {
  return new Promise((res, rej) => {
    const s = http.createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

async function startOsp({ dataDir, ospAppPort, pluginPort, appOrigin, pluginOrigin, logFile }) {
  const child = spawn(osp, ['serve', '--app', `127.0.0.1:${ospAppPort}`, '--plugin', `127.0.0.1:${pluginPort}`,
    '--app-origin', appOrigin, '--plugin-origin', pluginOrigin, '-d', dataDir, '--sample-data'],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr.on('data', (d) => { text += d; writeFileSync(logFile, text); });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`osp serve exited: ${text}`);
    try { if ((await fetch(`http://127.0.0.1:${ospAppPort}/healthz`)).ok) return child; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`osp serve did not come up: ${text}`);
}

// The app origin: the bench page (with COOP+COEP under /bench/coi/, so
// performance.now() has 5 µs resolution instead of 100 µs) and everything
// else passed through to osp serve unchanged.
function startAppOrigin(port, ospAppPort) {
  const pageDir = join(here, 'page');
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
  const server = http.createServer((req, res) => {
    const m = req.url.match(/^\/bench\/(coi\/)?([a-z]+\.(?:html|js))$/);
    if (m) {
      const file = normalize(join(pageDir, m[2]));
      const headers = { 'Content-Type': types[extname(file)], 'Cache-Control': 'no-store' };
      if (m[1]) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
      res.writeHead(200, headers);
      res.end(readFileSync(file));
      return;
    }
    const up = http.request({ host: '127.0.0.1', port: ospAppPort, method: req.method, path: req.url, headers: req.headers },
      (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res); });
    up.on('error', () => { res.writeHead(502); res.end(); });
    req.pipe(up);
  });
  return new Promise((r) => server.listen(port, '127.0.0.1', () => r(server)));
}

// Publishes bench/browser/plugin (with the SDK tag osp sdk-tag prints)
// signed by a fresh key, installs it, and returns what the shell gets from
// /api/v1/installed plus the signature material for WebCrypto.
async function publishBenchPlugin(work, dataDir, ospApp) {
  const dir = join(work, 'plugin');
  cpSync(join(here, 'plugin'), dir, { recursive: true });
  const tag = run(['sdk-tag']).trim();
  writeFileSync(join(dir, 'rpc.html'), readFileSync(join(dir, 'rpc.html'), 'utf8').replace('@SDK_TAG@', tag));
  run(['keygen', '-o', join(work, 'bench'), '--no-password']);
  const token = run(['publisher', 'add', 'bench', '--key', join(work, 'bench.pub'), '-d', dataDir]).trim();
  const bundle = join(work, 'bench.osplugin');
  run(['pack', dir, '-k', join(work, 'bench.key'), '-o', bundle]);
  run(['publish', bundle, '--server', ospApp, '--token', token]);
  run(['install', 'bench.rpc', '--grant-all', '-d', dataDir]);

  const login = await fetch(`${ospApp}/api/v1/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-OSP-CSRF': 'login' },
    body: JSON.stringify({ tenant: 'default', username: 'alice', password: 'osp-demo' }),
  });
  if (!login.ok) throw new Error(`sign-in failed: ${login.status} ${await login.text()}`);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const res = await fetch(`${ospApp}/api/v1/installed`, { headers: { Cookie: cookie } });
  if (!res.ok) throw new Error(`installed: ${res.status}`);
  const installed = await res.json();

  const p = installed.plugins.find((x) => x.id === 'bench.rpc');
  const lines = p.signature.split('\n');
  const sig = Buffer.from(lines[1], 'base64');
  const tc = lines[2].replace(/^trusted comment: /, '');
  const pub = Buffer.from(readFileSync(join(work, 'bench.pub'), 'utf8').split('\n')[1], 'base64');
  const prehash = createHash('blake2b512').update(p.manifest).digest();
  const ed = {
    alg: sig.subarray(0, 2).toString(),
    pk: pub.subarray(10, 42).toString('base64'),
    sig: sig.subarray(10, 74).toString('base64'),
    prehash: prehash.toString('base64'),
    gsig: lines[3],
    tcMsg: Buffer.concat([sig.subarray(10, 74), Buffer.from(tc)]).toString('base64'),
  };
  return { installed, ed };
}

const sorted = (a) => Float64Array.from(a).sort();
const quantile = (s, q) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
function stats(intervals) {
  const s = sorted(intervals);
  const mean = s.reduce((x, y) => x + y, 0) / s.length;
  return { n: s.length, median: quantile(s, 0.5), p99: quantile(s, 0.99), mean };
}
// Host-side cycle times: each stamp is one call (or echo) arriving at the
// page; the gap to the next is one whole round trip of a sequential loop.
const gaps = (t) => t.slice(1).map((v, i) => (v - t[i]) * 1000); // µs

// A round's gaps as counts per whole µs (the clock's resolution is 5 µs;
// anything past HIST_MAX µs counts as HIST_MAX: it moves no median).
const HIST_MAX = 5000;
function histogram(g) {
  const h = new Uint32Array(HIST_MAX + 1);
  for (const x of g) h[Math.min(HIST_MAX, Math.max(0, Math.round(x)))] += 1;
  return h;
}
function histMedian(h, n) {
  let seen = 0;
  for (let v = 0; v <= HIST_MAX; v++) if ((seen += h[v]) * 2 >= n) return v;
  return HIST_MAX;
}
// 95% interval of median(a) / median(b) over all rounds' gaps (each a
// round's {counts, n}), by resampling whole rounds (paired: a round's
// sides ran next to each other), with a fixed seed so a run's interval
// can be recomputed.
function interval(histsA, histsB) {
  let seed = 0x2545f491;
  const rand = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 4294967296; };
  const k = histsA.length;
  const ratios = new Float64Array(RESAMPLES);
  const a = new Uint32Array(HIST_MAX + 1);
  const b = new Uint32Array(HIST_MAX + 1);
  for (let r = 0; r < RESAMPLES; r++) {
    a.fill(0);
    b.fill(0);
    let na = 0;
    let nb = 0;
    for (let j = 0; j < k; j++) {
      const i = Math.floor(rand() * k);
      const ha = histsA[i].counts;
      const hb = histsB[i].counts;
      for (let v = 0; v <= HIST_MAX; v++) { a[v] += ha[v]; b[v] += hb[v]; }
      na += histsA[i].n;
      nb += histsB[i].n;
    }
    ratios[r] = histMedian(a, na) / histMedian(b, nb);
  }
  ratios.sort();
  return [quantile(ratios, 0.025), quantile(ratios, 0.975)];
}

async function frameOf(page, selector) {
  const handle = await page.locator(selector).elementHandle();
  const frame = await handle.contentFrame();
  await frame.waitForFunction(() => window.bench !== undefined, null, { timeout: 30000 });
  return frame;
}

// BENCH_PROFILE=1: where the time of a sequential osp loop goes, by
// function self time, on the host page and in the plugin frame.
async function profile(page, frame, n, what = 'rtt') {
  const sessions = [['host page', await page.context().newCDPSession(page)], ['plugin frame', await page.context().newCDPSession(frame)]];
  for (const [, s] of sessions) {
    await s.send('Profiler.enable');
    await s.send('Profiler.setSamplingInterval', { interval: 20 });
    await s.send('Profiler.start');
  }
  const t0 = Date.now();
  if (what === 'rtt') await frame.evaluate((k) => window.bench.rtt(k), n);
  else await frame.evaluate(([k, d]) => window.bench.inflight(k, d), [n, INFLIGHT_DEPTH]);
  log(`profiled ${what === 'rtt' ? 'sequential loop' : `${INFLIGHT_DEPTH} in flight`}: ${((Date.now() - t0) * 1000 / n).toFixed(0)} µs per call`);
  for (const [name, s] of sessions) {
    const { profile: p } = await s.send('Profiler.stop');
    const self = new Map();
    const byId = new Map(p.nodes.map((x) => [x.id, x]));
    const counts = new Map();
    for (const id of p.samples) counts.set(id, (counts.get(id) || 0) + 1);
    let total = 0;
    for (const [id, c] of counts) {
      const f = byId.get(id).callFrame;
      const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}`;
      self.set(key, (self.get(key) || 0) + c);
      total += c;
    }
    const idle = self.get('(idle) :0') || 0;
    log(`profile, ${name}: ${total} samples, busy ${(((total - idle) / total) * 100).toFixed(0)}%, ${p.endTime - p.startTime} µs profiled`);
    for (const [k, c] of [...self].sort((x, y) => y[1] - x[1]).slice(0, 25)) log(`  ${((100 * c) / total).toFixed(1).padStart(5)}%  ${k}`);
  }
}

// BENCH_TRACE=1: a Chromium trace of a sequential loop, summed per event
// name on each renderer's main thread (pid first): the time each side
// spends per call in its message task, in the JS listener
// (FunctionCall) and in (de)serialising, which the JS profiler lumps
// together as "(program)" and "postMessage".  Wall time under tracing.
async function trace(browser, frame, n, label) {
  await browser.startTracing(undefined, { categories: ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink'] });
  await frame.evaluate((k) => window.bench.rtt(k), n);
  const buf = await browser.stopTracing();
  const { traceEvents } = JSON.parse(buf.toString());
  const names = new Map();
  for (const e of traceEvents) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
  const busy = new Map();
  for (const e of traceEvents) {
    if (e.ph !== 'X' || names.get(`${e.pid}:${e.tid}`) !== 'CrRendererMain') continue;
    const k = `${e.pid} ${e.name}`;
    const b = busy.get(k) || { us: 0, tasks: 0 };
    b.us += e.dur || 0;
    b.tasks += 1;
    busy.set(k, b);
  }
  for (const [k, b] of [...busy].sort((x, y) => y[1].us - x[1].us).slice(0, 24))
    log(`trace ${label}: ${k.padEnd(60)} ${(b.us / n).toFixed(1)} µs per call, ${(b.tasks / n).toFixed(2)} per call`);
}

async function rpcFigures(page) {
  await page.evaluate((l) => window.B.setLimits(l), BENCH_LIMITS);
  await page.evaluate(() => window.B.mountRpc());
  await page.evaluate((i) => window.B.mountEcho(i), !!process.env.BENCH_INSITU);
  const ospFrame = await frameOf(page, '#rpc-host iframe');
  const rawFrame = await frameOf(page, '#echo-host iframe');
  await rawFrame.waitForFunction(() => window.bench.ready());
  await page.evaluate(() => window.B.mountEcho(false, true));
  const unreadFrame = await frameOf(page, '#unread-host iframe');
  await unreadFrame.waitForFunction(() => window.bench.ready());
  const side = { osp: ospFrame, raw: rawFrame, unread: unreadFrame };
  await page.evaluate(() => window.B.hostCost(2000));
  const hostCostUs = await page.evaluate(() => window.B.hostCost(20000));
  await page.evaluate(() => window.B.hostCost(2000, true));
  const hostCostAsyncUs = await page.evaluate(() => window.B.hostCost(20000, true));
  await page.evaluate(() => window.B.hostCost(2000, false, 50));
  const hostCostBatchUs = await page.evaluate(() => window.B.hostCost(20000, false, 50));
  log(`host cost per call without IPC: ${hostCostUs.toFixed(1)} µs (a handler answering with a promise: ${hostCostAsyncUs.toFixed(1)} µs; in batches of 50: ${hostCostBatchUs.toFixed(1)} µs)`);
  if (process.env.BENCH_PROFILE) {
    await ospFrame.evaluate(() => window.bench.rtt(2000));
    await profile(page, ospFrame, 5000);
    await profile(page, rawFrame, 5000);
    await profile(page, ospFrame, 10000, 'inflight');
    await profile(page, rawFrame, 10000, 'inflight');
  }
  if (process.env.BENCH_TRACE) {
    const browser = page.context().browser();
    for (const [k, f] of [['raw', rawFrame], ['osp', ospFrame]]) await trace(browser, f, 3000, k);
  }
  if (process.env.BENCH_INSITU) await page.evaluate(() => window.B.instrument());
  const samples = { osp: [], raw: [], unread: [] };
  const hists = { osp: [], raw: [], unread: [] };
  const frameMean = { osp: [], raw: [], unread: [] };
  const rounds = [];
  const unreadRounds = [];
  // Warm every path (JIT, wasm tiers) before anything counts.
  for (const f of [rawFrame, unreadFrame, ospFrame]) await f.evaluate(() => window.bench.rtt(1000));
  // Each round runs the three loops in turn, in an order that rotates.
  const ORDERS = [['raw', 'osp', 'unread'], ['osp', 'unread', 'raw'], ['unread', 'raw', 'osp']];
  for (let r = 0; r < ROUNDS; r++) {
    const round = {};
    for (const k of ORDERS[r % ORDERS.length]) {
      await page.evaluate(() => window.B.startStamps());
      const fm = await side[k].evaluate((n) => window.bench.rtt(n), RTT_CALLS);
      const g = gaps(await page.evaluate(() => window.B.stopStamps()));
      if (g.length !== RTT_CALLS - 1) throw new Error(`${k}: ${g.length + 1} calls reached the host, expected ${RTT_CALLS}`);
      samples[k].push(...g);
      hists[k].push({ counts: histogram(g), n: g.length });
      frameMean[k].push(fm.meanMs * 1000);
      round[k] = stats(g).median;
    }
    rounds.push(round.osp / round.raw);
    unreadRounds.push(round.osp / round.unread);
    if (process.env.BENCH_INSITU) {
      const t = await page.evaluate(() => window.B.insituTake());
      log(`in situ, host µs per call: osp handler ${t.osp.handler.toFixed(1)} (to the answer's post ${t.osp.pre.toFixed(1)}, postMessage ${t.osp.post.toFixed(1)}, relay check ${t.osp.check.toFixed(1)}, reply ${t.osp.reply.toFixed(1)}), raw handler ${t.raw.handler.toFixed(1)} (to the post ${t.raw.pre.toFixed(1)}, postMessage ${t.raw.post.toFixed(1)})`);
    }
    log(`rtt round ${r + 1}: osp ${round.osp.toFixed(0)} µs, raw ${round.raw.toFixed(0)} µs (echo unread ${round.unread.toFixed(0)} µs) median`);
  }
  const tp = { osp: [], raw: [] };
  for (let r = 0; r < THROUGHPUT_ROUNDS; r++) {
    for (const k of r % 2 ? ['osp', 'raw'] : ['raw', 'osp']) {
      const t = await side[k].evaluate(([n, d]) => window.bench.inflight(n, d), [INFLIGHT_CALLS, INFLIGHT_DEPTH]);
      tp[k].push(t.n / (t.ms / 1000));
    }
    log(`throughput round ${r + 1}: osp ${tp.osp[r].toFixed(0)}/s, raw ${tp.raw[r].toFixed(0)}/s`);
  }
  const median = (a) => quantile(sorted(a), 0.5);
  return {
    osp: stats(samples.osp),
    raw: stats(samples.raw),
    unread: stats(samples.unread),
    roundMedianRatios: rounds,
    unreadRoundMedianRatios: unreadRounds,
    interval: interval(hists.osp, hists.raw),
    unreadInterval: interval(hists.osp, hists.unread),
    hostCostUs,
    hostCostAsyncUs,
    hostCostBatchUs,
    frameMeanUs: { osp: median(frameMean.osp), raw: median(frameMean.raw), unread: median(frameMean.unread) },
    throughput: { osp: median(tp.osp), raw: median(tp.raw), rounds: tp },
  };
}

async function floodFigures(page) {
  const out = {};
  for (const [name, limits] of [['default quotas', null], ['quotas raised', BENCH_LIMITS]]) {
    await page.evaluate((l) => window.B.setLimits(l), limits);
    await page.evaluate(() => window.B.mountRpc());
    const frame = await frameOf(page, '#rpc-host iframe');
    await page.evaluate(() => window.B.watchStart());
    const f = await frame.evaluate(([ms, burst]) => window.bench.flood(ms, burst), [FLOOD_MS, 200]);
    const w = await page.evaluate(() => window.B.watchStop());
    out[name] = { ...f, ...w };
    log(`flood (${name}): ${f.sent} calls, ${JSON.stringify(f.tally)}, long tasks ${w.longtasks}, max ${w.maxLongtaskMs} ms`);
  }
  return out;
}

async function mountFigures(browser, appOrigin, installed) {
  const out = {};
  for (const n of MOUNT_SIZES) {
    const t = { osp: [], bare: [] };
    for (let r = 0; r < MOUNT_REPS; r++) {
      for (const kind of r % 2 ? ['osp', 'bare'] : ['bare', 'osp']) {
        // A fresh context each time: empty HTTP cache, new frame processes.
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`${appOrigin}/bench/index.html`);
        await page.waitForFunction(() => window.B !== undefined);
        await page.evaluate((d) => window.B.init(d), installed);
        await page.waitForTimeout(200);
        t[kind].push(await page.evaluate(([k, m]) => window.B.cold(k, m), [kind, n]));
        await context.close();
      }
    }
    const med = (a) => quantile(sorted(a), 0.5);
    out[n] = { osp: med(t.osp), bare: med(t.bare), all: t };
    log(`cold mount ×${n}: osp ${out[n].osp.toFixed(1)} ms, bare ${out[n].bare.toFixed(1)} ms`);
  }
  return out;
}

function sizeFigures() {
  const f = (name) => {
    const bytes = readFileSync(join(wasmDir, name));
    return {
      raw: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      brotli: brotliCompressSync(bytes, { params: { [zc.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  };
  return { wasm: f('osp-core.wasm'), js: f('osp-core.js') };
}

const fmt = (x, d = 0) => (x === null || x === undefined ? '—' : Number(x).toFixed(d));
const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;

async function main() {
  for (const f of [osp, join(wasmDir, 'osp-core.wasm'), join(wasmDir, 'osp-core.js')])
    if (!existsSync(f)) throw new Error(`${f} is missing: build first (cmake --build build)`);
  const work = mkdtempSync(join(tmpdir(), 'osp-bench-browser-'));
  const dataDir = join(work, 'data');
  const ports = new Set();
  while (ports.size < 3) ports.add(await freePort());
  const [appPort, ospAppPort, pluginPort] = [...ports];
  const appOrigin = `http://127.0.0.1:${appPort}`;
  const pluginOrigin = `http://localhost:${pluginPort}`;
  let server = null;
  let appServer = null;
  let browser = null;
  const results = { started: new Date().toISOString(), work };
  try {
    server = await startOsp({ dataDir, ospAppPort, pluginPort, appOrigin, pluginOrigin, logFile: join(work, 'serve.log') });
    appServer = await startAppOrigin(appPort, ospAppPort);
    const { installed, ed } = await publishBenchPlugin(work, dataDir, `http://127.0.0.1:${ospAppPort}`);
    results.sizes = sizeFigures();
    browser = await chromium.launch({
      executablePath: process.env.OSP_CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    results.browser = browser.version();

    // a, d, e: one cross-origin-isolated page.  Plugin frames inside it
    // must carry COEP themselves; osp serve does not send it, so this
    // context adds it to plugin-origin responses (nothing else changes).
    const context = await browser.newContext();
    await context.route(`${pluginOrigin}/**`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'cross-origin-embedder-policy': 'require-corp' } });
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${appOrigin}/bench/coi/index.html`);
    await page.waitForFunction(() => window.B !== undefined);
    results.page = await page.evaluate((d) => window.B.init(d), installed);
    if (!results.page.crossOriginIsolated) log('warning: the page is not cross-origin isolated: timings have 100 µs resolution');
    if (PARTS.has('a')) {
      results.breakdown = await page.evaluate((n) => window.B.breakdown(n), 20000);
      results.rpc = await rpcFigures(page);
    }
    if (PARTS.has('e')) results.flood = await floodFigures(page);
    if (PARTS.has('d')) {
      results.sha256 = await page.evaluate(([b, ms]) => window.B.sha256(b, ms), [8 << 20, CRYPTO_MS]);
      results.ed25519 = await page.evaluate(([p, ms]) => window.B.ed25519(p, ms), [ed, CRYPTO_MS]);
      results.ed25519.signatureAlgorithm = ed.alg;
    }
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    await context.close();

    // b: fresh, ordinary (not isolated) pages with nothing intercepted.
    if (PARTS.has('b')) results.mount = await mountFigures(browser, appOrigin, installed);
  } finally {
    if (browser) await browser.close();
    if (appServer) appServer.close();
    if (server) server.kill();
  }
  writeFileSync(join(work, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  report(results);
  if (!process.env.BENCH_KEEP) {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(join(work, 'plugin'), { recursive: true, force: true });
  }
  console.log(`\nresults: ${join(work, 'results.json')}`);
}

function report(r) {
  const a = r.rpc;
  console.log(`Chromium ${r.browser}; page crossOriginIsolated=${r.page.crossOriginIsolated}; core load ${fmt(r.page.coreMs, 1)} ms, verify ${fmt(r.page.verifyMs, 1)} ms`);
  if (a) {
  console.log('\na) RPC round trip, sequential, host-side cycle times (µs)');
  console.log('path                 calls   median     p99    mean   frame mean');
  const names = { raw: 'raw MessagePort echo', unread: 'raw, echo unread', osp: 'osp relay' };
  for (const k of ['raw', 'unread', 'osp']) {
    const s = a[k];
    console.log(`${names[k].padEnd(20)} ${String(s.n + 1).padStart(6)} ${fmt(s.median).padStart(8)} ${fmt(s.p99).padStart(7)} ${fmt(s.mean).padStart(7)} ${fmt(a.frameMeanUs[k]).padStart(12)}`);
  }
  const spread = (x) => `${fmt(Math.min(...x), 2)}–${fmt(Math.max(...x), 2)}`;
  console.log(`ratio osp/raw: median ${fmt(a.osp.median / a.raw.median, 2)}x (95% interval ${fmt(a.interval[0], 2)}–${fmt(a.interval[1], 2)}; target <= 1.1), p99 ${fmt(a.osp.p99 / a.raw.p99, 2)}x, mean ${fmt(a.osp.mean / a.raw.mean, 2)}x; per-round median ratios ${spread(a.roundMedianRatios)} over ${a.roundMedianRatios.length} rounds`);
  console.log(`ratio osp/raw with the echo unread (the baseline until 2026-12-04): median ${fmt(a.osp.median / a.unread.median, 2)}x (95% interval ${fmt(a.unreadInterval[0], 2)}–${fmt(a.unreadInterval[1], 2)}), p99 ${fmt(a.osp.p99 / a.unread.p99, 2)}x`);
  console.log(`throughput, ${INFLIGHT_DEPTH} in flight: raw ${fmt(a.throughput.raw)}/s, osp ${fmt(a.throughput.osp)}/s, ratio ${fmt(a.throughput.osp / a.throughput.raw, 2)}x (target >= 0.9)`);
  const b = r.breakdown;
  console.log(`host CPU per osp call without the IPC: ${fmt(a.hostCostUs, 1)} µs (${fmt(a.hostCostAsyncUs, 1)} µs when the handler answers with a promise, ${fmt(a.hostCostBatchUs, 1)} µs in batches of 50), of which the relay (check + reply through core.js) ${fmt(b.relayUs, 1)} µs (the same two calls straight into wasm: ${fmt(b.wasmUs, 1)} µs; for scale, JSON.parse of the message: ${fmt(b.jsonParseUs, 1)} µs)`);
  }

  if (r.mount) {
  console.log('\nb) cold mount until every frame has spoken (ms, median of runs)');
  console.log('frames   bare iframes   osp widgets   ratio');
  for (const [n, m] of Object.entries(r.mount))
    console.log(`${String(n).padStart(6)} ${fmt(m.bare, 1).padStart(14)} ${fmt(m.osp, 1).padStart(13)} ${fmt(m.osp / m.bare, 2).padStart(7)}x${n === '10' ? '  (target <= 1.2)' : ''}`);
  }

  const s = r.sizes;
  console.log('\nc) core size');
  console.log(`osp-core.wasm ${s.wasm.raw} bytes (${kb(s.wasm.raw)}), brotli ${s.wasm.brotli} (${kb(s.wasm.brotli)}; target <= 80 KB), gzip ${s.wasm.gzip}`);
  console.log(`osp-core.js   ${s.js.raw} bytes, brotli ${s.js.brotli}; together brotli ${kb(s.wasm.brotli + s.js.brotli)}`);

  if (r.sha256) {
  console.log('\nd) wasm core vs WebCrypto');
  console.log(`SHA-256 of ${r.sha256.bytes >> 20} MiB: wasm ${fmt(r.sha256.wasmMBps, 1)} MB/s, WebCrypto ${fmt(r.sha256.webcryptoMBps, 1)} MB/s, ratio ${fmt(r.sha256.wasmMBps / r.sha256.webcryptoMBps, 2)}x`);
  const e = r.ed25519;
  console.log(`core.verify (whole manifest check, 2 Ed25519 verifies): ${fmt(e.verifyPerS)}/s; manifest check alone ${fmt(e.checkPerS)}/s`);
  if (e.webcrypto.error) {
    console.log(`Ed25519: wasm ~${fmt(e.wasmEd25519PerS)} verifies/s; WebCrypto Ed25519 not available: ${e.webcrypto.error}`);
  } else {
    console.log(`Ed25519 verifies/s: wasm ~${fmt(e.wasmEd25519PerS)}, WebCrypto ${fmt(e.webcrypto.sequential)} one at a time (${fmt(e.webcrypto.batched)} with 32 pairs in flight); ratio ${fmt(e.wasmEd25519PerS / e.webcrypto.sequential, 2)}x (${fmt(e.wasmEd25519PerS / e.webcrypto.batched, 2)}x)`);
  }
  }

  if (r.flood) console.log(`\ne) host main thread while a plugin floods for ${FLOOD_MS / 1000} s`);
  for (const [name, f] of Object.entries(r.flood || {}))
    console.log(`${name.padEnd(15)} ${String(f.sent).padStart(7)} calls (${Object.entries(f.tally).map(([k, v]) => `${k} ${v}`).join(', ')}): long tasks (> 50 ms) ${f.longtasks}, longest ${fmt(f.maxLongtaskMs)} ms, worst 10 ms timer lag ${fmt(f.maxTimerLagMs, 1)} ms`);
}

main().catch((err) => { console.error(`bench/browser: ${err.stack || err}`); process.exit(1); });
