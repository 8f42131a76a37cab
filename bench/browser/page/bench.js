// The bench/browser page: the real shell modules (core.js, plugins.js,
// ui.js) with a trivial host handler, plus the baselines (a raw
// MessagePort echo and bare frames) built from the same core frame
// descriptions.  bench.mjs drives it through window.B.
import createOspCore from '/core/osp-core.js';
import { loadCore } from '/shell/core.js';
import { createPluginRuntime } from '/shell/plugins.js';
import { createTheme } from '/shell/ui.js';

let core;
let raw; // a second instance of the same wasm, for exports core.js does not wrap
let runtime;
let plugin;
let installed;
let limits = null; // relay limits for connections made from now on (null: defaults)
let stamps = [];
let stamping = false;
const longtasks = [];
new PerformanceObserver((list) => longtasks.push(...list.getEntries())).observe({ type: 'longtask', buffered: true });

const stamp = () => { if (stamping) stamps.push(performance.now()); };

// The host SDK's place in plugins.js: the bench's handler answers at once,
// as host.js answers context.get (a plain value, no promise).  hostCost
// also measures it answering with a promise, as host.js's data.* do.
let asyncHost = false;
const host = {
  handle() {
    stamp();
    return asyncHost ? Promise.resolve({ ok: true }) : { ok: true };
  },
};

const contribution = (id) => plugin.contributions.find((c) => c.id === id);
const frameDescription = (id) => {
  const f = core.frame(plugin.manifestText, plugin.digest, id, installed.plugin_origin, false);
  if (!f.ok) throw new Error(`core.frame(${id}): ${f.code}: ${f.message}`);
  return f.frame;
};

// An iframe exactly as PluginFrame.createIframe makes one (sandbox first).
function bareIframe(d) {
  const iframe = document.createElement('iframe');
  iframe.setAttribute('sandbox', d.sandbox);
  iframe.setAttribute('referrerpolicy', d.referrerpolicy);
  iframe.setAttribute('allow', d.allow);
  iframe.setAttribute('loading', d.loading);
  iframe.setAttribute('title', d.title);
  iframe.style.height = `${d.height || 40}px`;
  iframe.src = d.src;
  return iframe;
}

const untilReady = (element, ms = 30000) => new Promise((resolve, reject) => {
  const t = setTimeout(() => reject(new Error('frame did not get ready')), ms);
  const check = () => {
    if (element.dataset.state === 'ready') { clearTimeout(t); mo.disconnect(); resolve(); }
    if (element.dataset.state === 'error') { clearTimeout(t); mo.disconnect(); reject(new Error(element.textContent)); }
  };
  const mo = new MutationObserver(check);
  mo.observe(element, { attributes: true, attributeFilter: ['data-state'] });
  check();
});

window.B = {
  async init(data) {
    installed = data;
    const t0 = performance.now();
    core = await loadCore();
    const coreMs = performance.now() - t0;
    raw = await createOspCore();
    const wrapped = { ...core, relay: (grants) => core.relay(grants, limits || undefined) };
    runtime = createPluginRuntime({
      core: wrapped,
      host,
      theme: createTheme(),
      modals: { show() {}, close() {} },
      session: { user: { tenant: 'default', username: 'alice', role: 'admin' } },
      pluginOrigin: installed.plugin_origin,
    });
    const t1 = performance.now();
    runtime.load(installed.plugins);
    const verifyMs = performance.now() - t1;
    const failures = runtime.failures();
    if (failures.length) throw new Error(`refused: ${JSON.stringify(failures)}`);
    plugin = runtime.plugins().find((p) => p.id === 'bench.rpc');
    document.getElementById('status').textContent = 'ready';
    return { coreMs, verifyMs, crossOriginIsolated: self.crossOriginIsolated, userAgent: navigator.userAgent };
  },

  setLimits(l) { limits = l; },

  // Where the host's share of a call goes: the relay's check and reply
  // (through core.js, and straight into wasm) for the message the SDK
  // sends, per call.
  breakdown(n) {
    const relay = core.relay([], { max_in_flight: 256, calls_per_second: 1e7, bytes_per_second: 1e9 });
    const text = (i) => `{"jsonrpc":"2.0","id":${i},"method":"context.get","params":{}}`;
    const time = (fn) => { const t0 = performance.now(); for (let i = 0; i < n; i++) fn(i); return ((performance.now() - t0) * 1000) / n; };
    // check + reply together: a check alone would leave its call in
    // flight, and past 256 the relay refuses (a different, dearer path).
    const pair = (i) => {
      if (!relay.check(text(i)).ok) throw new Error('the relay refused a benchmark call');
      relay.reply(String(i));
    };
    time(pair);
    const relayUs = time((i) => pair(n + i));
    const parse = time((i) => JSON.parse(text(i)));
    relay.close();
    // The same check straight through the wasm exports, with the message
    // encoded into a buffer allocated once: the core's own share.
    const enc = new TextEncoder();
    const rq = raw._malloc(raw._osp_api_relay_request_size());
    const lp = raw._malloc(128);
    raw.stringToUTF8('{"max_in_flight":256,"calls_per_second":10000000,"bytes_per_second":1000000000}', lp, 128);
    const gp = raw._malloc(8);
    raw.stringToUTF8('[]', gp, 8);
    const h = raw._osp_api_relay_new(gp, lp);
    const mp = raw._malloc(256);
    const idp = raw._malloc(32);
    const wasmPair = (i) => {
      const { written } = enc.encodeInto(text(i), raw.HEAPU8.subarray(mp, mp + 255));
      raw.HEAPU8[mp + written] = 0;
      if (raw._osp_api_relay_inbound(h, mp, written, performance.now(), rq) < 0) throw new Error('the relay refused a benchmark call');
      raw.stringToUTF8(String(i), idp, 32);
      raw._osp_api_relay_reply(h, idp);
    };
    time(wasmPair);
    const wasmCheck = time(wasmPair);
    raw._osp_api_relay_free(h);
    [lp, gp, mp, idp, rq].forEach((p) => raw._free(p));
    return { relayUs, jsonParseUs: parse, wasmUs: wasmCheck };
  },

  // The host's whole share of a call, without the IPC: messages handed
  // straight to the mounted PluginFrame's port handler (relay check,
  // dispatch, handler, relay reply, serialising the answer), in batches of
  // 200, answers counted instead of posted.
  async hostCost(n, withPromise = false, batch = 1) {
    asyncHost = withPromise;
    const f = runtime.frames().find((x) => x.conn);
    const conn = f.conn;
    let sent = 0;
    // Answers posted in one task leave as one batch: count its messages.
    const sep = String.fromCharCode(core.limits.rpc_batch_separator);
    conn.port.postMessage = (text) => { sent += text.split(sep).length; };
    const t0 = performance.now();
    for (let i = 0; i < n; i += 200) {
      const texts = [];
      for (let j = i; j < i + 200; j++) texts.push(`{"jsonrpc":"2.0","id":"c${j}","method":"context.get","params":{}}`);
      for (let j = 0; j < 200; j += batch) conn.port.onmessage({ data: texts.slice(j, j + batch).join(sep) });
      while (sent < i + 200) await null;
    }
    const us = ((performance.now() - t0) * 1000) / n;
    delete conn.port.postMessage;
    asyncHost = false;
    return us;
  },

  // One SDK widget through the real PluginFrame (handshake, Connection).
  async mountRpc() {
    const box = document.getElementById('rpc-host');
    runtime.unmountWithin(box);
    const frame = runtime.mount(box, plugin, contribution('rpc'), {}, { offscreen: false });
    await untilReady(frame.element);
  },

  // The raw baseline: the same kind of frame given a MessagePort the way
  // the shell gives one; the page echoes every message.  unread: the frame
  // does not read the echoes (echo.js).
  mountEcho(insitu = false, unread = false) {
    const box = document.getElementById(unread ? 'unread-host' : 'echo-host');
    box.replaceChildren();
    const d = frameDescription('echo');
    const iframe = bareIframe(unread ? { ...d, src: `${d.src}#unread` } : d);
    return new Promise((resolve) => {
      const onHello = (event) => {
        if (event.source !== iframe.contentWindow || !event.data || event.data.bench !== 'hello') return;
        window.removeEventListener('message', onHello);
        const channel = new MessageChannel();
        const port = channel.port1;
        port.onmessage = (e) => { stamp(); port.postMessage(e.data); };
        if (insitu) {
          port.onmessage = (e) => {
            const t0 = performance.now();
            stamp();
            const d = e.data;
            const t1 = performance.now();
            port.postMessage(d);
            const t2 = performance.now();
            // Loops before instrument() (BENCH_PROFILE, BENCH_TRACE) are not counted.
            const T = window.B.insitu && window.B.insitu.raw;
            if (T) { T.handler += t2 - t0; T.pre += t1 - t0; T.post += t2 - t1; T.n++; }
          };
        }
        iframe.contentWindow.postMessage({ bench: 'welcome' }, '*', [channel.port2]);
        resolve();
      };
      window.addEventListener('message', onHello);
      box.append(iframe);
    });
  },

  // BENCH_INSITU: the host's share of each call as it happens (the port
  // handler, its postMessage, the relay), on top of the measured loop
  // (so only for looking, never in the reported figures' runs).
  instrument() {
    const f = runtime.frames().find((x) => x.conn);
    const port = f.conn.port;
    const handler = port.onmessage;
    const post = port.postMessage;
    const relay = f.conn.relay;
    const { check, reply } = relay;
    // pre: from the message's arrival to the answer's postMessage, the
    // host's share of the round trip (what follows the post overlaps it).
    const T = { osp: { handler: 0, pre: 0, post: 0, check: 0, reply: 0, n: 0 }, raw: { handler: 0, pre: 0, post: 0, n: 0 } };
    window.B.insitu = T;
    let entry = -1; // the handler's start while it runs (pings post outside it)
    port.onmessage = (e) => { entry = performance.now(); handler(e); T.osp.handler += performance.now() - entry; T.osp.n++; entry = -1; };
    port.postMessage = (x) => {
      const t = performance.now();
      if (entry >= 0) T.osp.pre += t - entry;
      post.call(port, x);
      T.osp.post += performance.now() - t;
    };
    relay.check = (x) => { const t = performance.now(); const v = check(x); T.osp.check += performance.now() - t; return v; };
    relay.reply = (x) => { const t = performance.now(); const v = reply(x); T.osp.reply += performance.now() - t; return v; };
  },
  insituTake() {
    const T = window.B.insitu;
    const out = {};
    for (const k of ['osp', 'raw']) {
      out[k] = {};
      for (const [x, v] of Object.entries(T[k])) if (x !== 'n') { out[k][x] = (v * 1000) / T[k].n; T[k][x] = 0; }
      T[k].n = 0;
    }
    return out;
  },

  startStamps() { stamps = []; stamping = true; },
  stopStamps() { stamping = false; const s = stamps; stamps = []; return s; },

  // Cold mount: n frames, until every one has said its first word to the
  // host (osp: the hello handled, so the port is sent and the frame is
  // "ready"; bare: its first message).
  cold(kind, n) {
    const box = document.getElementById('cold');
    box.replaceChildren();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${kind} ×${n}: not all frames up in 60 s`)), 60000);
      let t0 = 0;
      let up = 0;
      const done = () => { clearTimeout(timer); resolve(performance.now() - t0); };
      if (kind === 'osp') {
        const mo = new MutationObserver((records) => {
          for (const r of records) {
            if (r.target.dataset.state === 'ready') up += 1;
            else if (r.target.dataset.state === 'error') { clearTimeout(timer); reject(new Error(r.target.textContent)); }
          }
          if (up === n) { mo.disconnect(); done(); }
        });
        mo.observe(box, { attributes: true, subtree: true, attributeFilter: ['data-state'] });
        const c = contribution('rpc');
        t0 = performance.now();
        for (let i = 0; i < n; i++) runtime.mount(box, plugin, c, {}, { offscreen: false });
      } else {
        const windows = new Set();
        const onMessage = (event) => {
          if (!windows.has(event.source)) return;
          windows.delete(event.source);
          up += 1;
          if (up === n) { window.removeEventListener('message', onMessage); done(); }
        };
        window.addEventListener('message', onMessage);
        t0 = performance.now();
        const d = frameDescription('bare');
        for (let i = 0; i < n; i++) {
          const iframe = bareIframe(d);
          box.append(iframe);
          windows.add(iframe.contentWindow);
        }
      }
    });
  },

  // Long tasks and timer lag on this page while something runs.
  watchStart() {
    longtasks.length = 0;
    const w = { maxLag: 0, timer: 0, last: performance.now() };
    w.timer = setInterval(() => {
      const now = performance.now();
      w.maxLag = Math.max(w.maxLag, now - w.last - 10);
      w.last = now;
    }, 10);
    window.B.watching = w;
  },
  watchStop() {
    const w = window.B.watching;
    clearInterval(w.timer);
    const tasks = longtasks.map((e) => e.duration);
    return { longtasks: tasks.length, maxLongtaskMs: tasks.length ? Math.max(...tasks) : 0, maxTimerLagMs: w.maxLag };
  },

  // SHA-256: the core's file check (manifest parse + SHA-256 of the
  // bytes, copied into wasm memory first) against crypto.subtle.digest.
  async sha256(bytes, minMs) {
    const data = new Uint8Array(bytes);
    for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
    const hex = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', data)),
      (b) => b.toString(16).padStart(2, '0')).join('');
    const m = JSON.parse(plugin.manifestText);
    m.files['blob.bin'] = { sha256: hex, size: bytes };
    const manifest = new TextEncoder().encode(JSON.stringify(m));
    const mp = raw._malloc(manifest.length + 1);
    raw.HEAPU8.set(manifest, mp);
    raw.HEAPU8[mp + manifest.length] = 0;
    const path = raw._malloc(16);
    raw.stringToUTF8('blob.bin', path, 16);
    const dp = raw._malloc(bytes);
    const wasmOnce = () => {
      raw.HEAPU8.set(data, dp);
      const out = raw._osp_api_file_check(mp, manifest.length, path, dp, bytes);
      const r = JSON.parse(raw.UTF8ToString(out));
      raw._osp_api_free(out);
      if (!r.ok) throw new Error(`file check: ${r.code}`);
    };
    const time = async (fn) => {
      await fn(); // warm
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < minMs) { await fn(); n += 1; }
      return (n * bytes) / 1e6 / ((performance.now() - t0) / 1000);
    };
    const wasm = await time(wasmOnce);
    const webcrypto = await time(() => crypto.subtle.digest('SHA-256', data));
    raw._free(mp); raw._free(path); raw._free(dp);
    return { bytes, wasmMBps: wasm, webcryptoMBps: webcrypto };
  },

  // Ed25519: the core's whole manifest verification (two Ed25519 verifies:
  // the signature over the BLAKE2b-512 prehash and the global signature
  // over signature + trusted comment; plus BLAKE2b, SHA-256 and the
  // manifest checks), the manifest checks alone, and WebCrypto verifying
  // the same two signatures.
  async ed25519(p, minMs) {
    const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
    const ip = installed.plugins.find((x) => x.id === 'bench.rpc');
    const rate = (fn) => {
      fn();
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < minMs) { fn(); n += 1; }
      return n / ((performance.now() - t0) / 1000);
    };
    const verifyPerS = rate(() => {
      const v = core.verify(ip.manifest, ip.signature, ip.keys, ip.published_at, ip.digest);
      if (!v.ok) throw new Error(v.code);
    });
    const mtext = new TextEncoder().encode(ip.manifest);
    const mp = raw._malloc(mtext.length + 1);
    raw.HEAPU8.set(mtext, mp);
    raw.HEAPU8[mp + mtext.length] = 0;
    const checkPerS = rate(() => {
      const out = raw._osp_api_manifest_check(mp, mtext.length);
      raw._osp_api_free(out);
    });
    raw._free(mp);
    let webcrypto = null;
    try {
      const key = await crypto.subtle.importKey('raw', b64(p.pk), { name: 'Ed25519' }, false, ['verify']);
      const sig = b64(p.sig);
      const prehash = b64(p.prehash);
      const gsig = b64(p.gsig);
      const tc = b64(p.tcMsg);
      const pair = async () => {
        const a = await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, prehash);
        const b = await crypto.subtle.verify({ name: 'Ed25519' }, key, gsig, tc);
        if (!a || !b) throw new Error('WebCrypto says the signatures do not verify');
      };
      await pair();
      let n = 0;
      let t0 = performance.now();
      while (performance.now() - t0 < minMs) { await pair(); n += 2; }
      const sequential = n / ((performance.now() - t0) / 1000);
      n = 0;
      t0 = performance.now();
      while (performance.now() - t0 < minMs) { await Promise.all(Array.from({ length: 32 }, pair)); n += 64; }
      const batched = n / ((performance.now() - t0) / 1000);
      webcrypto = { sequential, batched };
    } catch (err) {
      webcrypto = { error: `${err.name}: ${err.message}` };
    }
    // Each core.verify does two Ed25519 verifies; what it does besides
    // them is at least the manifest check (measured alone).
    const perVerify = (1 / verifyPerS - 1 / checkPerS) / 2;
    return { verifyPerS, checkPerS, wasmEd25519PerS: perVerify > 0 ? 1 / perVerify : null, webcrypto };
  },
};
document.getElementById('status').textContent = 'loaded';
