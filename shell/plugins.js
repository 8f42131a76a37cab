// Plugin frames: verification, mounting, the handshake, the relay loop,
// deadlines, cancellation, liveness, events.  The decisions are the
// core's (wasm): whether a bundle is trusted, what a frame's src and
// sandbox are, whether a message may pass; this file wires them to the
// DOM and to the host SDK (host.js).  Protocol: docs/protocol.md.
import { el } from '/shell/ui.js';

// How long the host works on one call before answering timeout; how often
// it pings a connected frame and how long a pong may take; how long a
// loaded frame has to say hello.
export const CALL_DEADLINE_MS = 10000;
export const PING_EVERY_MS = 2000;
export const PING_TIMEOUT_MS = 3000;
export const HANDSHAKE_MS = 10000;

const MIN_HEIGHT = { widgets: 40, fieldRenderers: 20, views: 120, modal: 80 };
const DEFAULT_HEIGHT = { widgets: 200, fieldRenderers: 28, views: 420, modal: 320 };
const MAX_HEIGHT = 4000;

const RPC_NUMBER = {
  parse_error: -32700, invalid_request: -32600, method_not_found: -32601, invalid_params: -32602,
};
// Replies, written around the id's JSON text (the key the relay knows the
// call by), exactly as JSON.stringify would write the whole object.
const result = (key, value) => `{"jsonrpc":"2.0","id":${key},"result":${JSON.stringify(value === undefined ? null : value)}}`;
const failure = (key, code, message) => `{"jsonrpc":"2.0","id":${key},"error":${JSON.stringify({
  code: RPC_NUMBER[code] || -32000, message, data: { code },
})}}`;
const idKey = (id) => JSON.stringify(id);

const FOCUSABLE = 'a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),' +
  'textarea:not([disabled]),iframe,[tabindex]:not([tabindex="-1"])';

// The runtime for one signed-in page: every frame of every plugin.
export function createPluginRuntime({ core, host, theme, modals, session, pluginOrigin }) {
  const plugins = new Map(); // id -> verified plugin
  const failed = []; // {id, code, message}
  const byWindow = new Map(); // contentWindow -> PluginFrame (for the handshake)
  const mounted = new Set(); // every PluginFrame, framed or in-app, until destroyed
  const observers = new Map(); // fn -> the entry type it wants, or null for all
  const watched = new Map(); // entry type (null: all) -> how many observers want it
  let hostSeq = 0;

  const rt = {
    core, host, theme, modals, session, pluginOrigin,
    byWindow, mounted,
    locale: null, // null: the browser's; osp dev's locale switch sets one
    nextHostId: () => `$h${++hostSeq}`,
    // Whether anyone wants entries of this type: a call's entry is only
    // built (and timed) when someone does.
    watches(type) {
      return watched.has(null) || watched.has(type);
    },
    emit(entry) { observers.forEach((t, fn) => { if (t === null || t === entry.type) fn(entry); }); },
  };

  // Handshake: a frame we mounted, recognised by its window, says hello
  // and gets a private port.  A window we did not mount gets nothing.
  function onHello(event) {
    const frame = byWindow.get(event.source);
    if (!frame || !event.data || event.data.osp !== 'hello' || event.data.v !== 1) return;
    frame.hello(event.data.batch === true);
  }
  window.addEventListener('message', onHello);

  // Frames hear about theme changes as they happen.
  theme.onChange((t) => mounted.forEach((f) => f.notify('theme', t)));
  document.addEventListener('visibilitychange', () => mounted.forEach((f) => f.updateVisibility()));

  return {
    // Verifies every installed plugin in wasm, whatever the server said.
    load(installed) {
      plugins.clear();
      failed.length = 0;
      for (const p of installed) {
        const refuse = (code, message) => failed.push({ id: p.id, version: p.version, code, message });
        if (p.revoked) { refuse('revoked', 'the operator revoked this version'); continue; }
        if (p.manifest === null) { refuse('not_found', 'the server has no manifest for this version'); continue; }
        const v = core.verify(p.manifest, p.signature, p.keys, p.published_at, p.digest);
        if (!v.ok) {
          refuse(v.code, v.message);
          console.warn(`osp: ${p.id} refused: ${v.code}: ${v.message}`);
          continue;
        }
        plugins.set(p.id, {
          id: p.id,
          name: v.manifest.name,
          version: v.manifest.version,
          publisher: v.manifest.publisher,
          verifiedPublisher: v.verified,
          // Tier U0 only when the operator allowed it and the core says
          // the signer is a verified publisher.
          inApp: p.in_app === true && v.verified === true,
          digest: v.digest,
          manifestText: p.manifest,
          contributions: v.manifest.contributions,
          grants: Array.isArray(p.grants) ? p.grants : [],
        });
      }
    },
    failures: () => failed.slice(),
    plugins: () => Array.from(plugins.values()),
    // Contributions to one surface (optionally for one field type or object).
    contributions(surface, target) {
      const out = [];
      for (const plugin of plugins.values())
        for (const c of plugin.contributions)
          if (c.surface === surface && (target === undefined || c.target === target)) out.push({ plugin, contribution: c });
      return out;
    },
    // Mounts a frame into container; returns the PluginFrame.
    mount(container, plugin, contribution, context = {}, options = {}) {
      const frame = new PluginFrame(rt, plugin, contribution, context, options);
      container.append(frame.element);
      frame.start();
      return frame;
    },
    // Destroys every frame inside root (a view being left).
    unmountWithin(root) {
      for (const f of Array.from(mounted)) if (root.contains(f.element)) f.destroy();
    },
    // fn(entry) for every entry ({type: 'call' | 'denied' | 'data' |
    // 'crash', …}), or only those of one type.
    observe(fn, type = null) {
      if (observers.has(fn)) return () => {};
      observers.set(fn, type);
      watched.set(type, (watched.get(type) || 0) + 1);
      return () => {
        if (!observers.delete(fn)) return;
        const n = watched.get(type) - 1;
        if (n) watched.set(type, n);
        else watched.delete(type);
      };
    },
    // Overrides the locale frames see (osp dev's switch) and tells them.
    setLocale(locale) {
      rt.locale = locale || null;
      mounted.forEach((f) => f.notify('context', f.contextEvent()));
    },
    frames: () => Array.from(mounted),
  };
}

// One call the host is working on.  Its AbortSignal is made on first use
// (host.js asks for it only for calls that go to the server), so a call
// the host answers at once costs no AbortController.
class Work {
  constructor(key, deadline) {
    this.key = key; // the id's JSON text, null for a notification
    this.deadline = deadline;
    this.controller = null;
    this.aborted = false;
    this.now = false; // answered in the task that checked it (never tracked)
  }
  get signal() {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort();
    }
    return this.controller.signal;
  }
  abort() {
    this.aborted = true;
    if (this.controller) this.controller.abort();
  }
}

// One connection: a port, a relay (fresh grants, quotas and in-flight set)
// and the calls it is working on.  A reload makes a new one; nothing of the
// old one can answer into the new document.
class Connection {
  constructor(rt, grants) {
    this.relay = rt.core.relay(grants);
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.remote = channel.port2;
    this.inflight = new Map(); // idKey -> Work, for requests not answered at once
    this.pings = new Map(); // host id -> timer
    this.closed = false;
    this.sweeper = null; // the one deadline timer (see track)
    // Batches (docs/protocol.md): what the host posts while it handles a
    // batch (the answers it has at once, refusals) leaves as one batch
    // when it is done, to an SDK that said it reads them.
    this.batches = false;
    this.separator = String.fromCharCode(rt.core.limits.rpc_batch_separator);
    this.outbox = null; // an array while a batch is handled
  }
  post(text) {
    if (this.closed) return;
    if (this.outbox) this.outbox.push(text);
    else this.port.postMessage(text);
  }
  collect() {
    if (this.batches) this.outbox = [];
  }
  flush() {
    const box = this.outbox;
    this.outbox = null;
    if (box && box.length && !this.closed) this.port.postMessage(box.length === 1 ? box[0] : box.join(this.separator));
  }
  // The core allows exactly one answer per call, and none once closed;
  // reply(key) builds the text only then.
  answer(key, reply, a, b) {
    if (!this.closed && this.relay.reply(key)) this.post(reply(key, a, b));
  }
  // An answer in the same task as the call's check: nothing else can have
  // answered it (only tracked calls time out or are cancelled), so it
  // leaves first and the core's record of it is cleared after, off the
  // round trip (bench/browser).
  answerNow(key, reply, a, b) {
    if (this.closed) return;
    try {
      this.post(reply(key, a, b));
    } finally {
      if (!this.closed) this.relay.reply(key);
    }
  }
  // Deadlines: one timer per connection, armed for the earliest, rather
  // than one per call.  Every call gets the same CALL_DEADLINE_MS, so the
  // map's first entry (insertion order) is always the earliest.
  track(work) {
    this.inflight.set(work.key, work);
    if (!this.sweeper) this.arm();
  }
  arm() {
    const first = this.inflight.values().next().value;
    if (first) this.sweeper = setTimeout(() => this.sweep(), Math.max(0, first.deadline - performance.now()));
  }
  sweep() {
    this.sweeper = null;
    const now = performance.now();
    for (const work of this.inflight.values()) {
      if (work.deadline > now + 1) break; // 1 ms: a timer may fire a little early
      this.inflight.delete(work.key);
      work.abort();
      this.answer(work.key, failure, 'timeout', `${work.method} took longer than ${CALL_DEADLINE_MS / 1000} s`);
    }
    if (!this.closed) this.arm();
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.inflight.forEach((w) => w.abort());
    this.inflight.clear();
    clearTimeout(this.sweeper);
    this.sweeper = null;
    this.pings.forEach((t) => clearTimeout(t));
    this.pings.clear();
    this.port.onmessage = null;
    this.port.close();
    this.relay.close();
  }
}

export class PluginFrame {
  constructor(rt, plugin, contribution, context, { modal = false, offscreen } = {}) {
    this.rt = rt;
    this.plugin = plugin;
    this.contribution = contribution;
    this.extra = context;
    this.surface = modal ? 'modal' : contribution.surface;
    this.offscreen = offscreen;
    this.conn = null;
    this.iframe = null;
    this.visible = false;
    this.timers = new Set();
    this.element = el('div', {
      class: `plugin-frame surface-${this.surface}`,
      'data-plugin': plugin.id,
      'data-contribution': contribution.id,
      'data-state': 'loading',
      tabindex: '-1',
    });
    // What the host SDK may do for this frame (host.js).
    this.handle = {
      plugin,
      context: () => this.contextEvent(),
      resize: (h) => this.resize(h),
      focus: (to) => this.focusHandoff(to),
      close: () => { if (this.surface === 'modal') rt.modals.close(); },
      openModal: (id, ctx) => this.openModal(id, ctx),
    };
  }

  get name() { return this.plugin.name; }

  start() {
    this.rt.mounted.add(this);
    if (this.plugin.inApp && this.contribution.module && !this.extra.modal && this.surface !== 'modal') {
      this.startInApp();
      return;
    }
    const offscreen = this.offscreen !== undefined ? this.offscreen
      : this.element.getBoundingClientRect().top > window.innerHeight;
    const f = this.rt.core.frame(this.plugin.manifestText, this.plugin.digest, this.contribution.id,
      this.rt.pluginOrigin, offscreen);
    if (!f.ok) {
      this.showError(f.code, f.message, false);
      return;
    }
    this.description = f.frame;
    this.height = f.frame.height || DEFAULT_HEIGHT[this.surface];
    this.element.style.setProperty('--frame-height', `${this.height}px`);
    this.skeleton = el('div', { class: 'frame-skeleton', 'aria-hidden': 'true' }, el('div', { class: 'bar' }), el('div', { class: 'bar short' }));
    this.element.append(this.skeleton);
    this.createIframe();
  }

  // Tier U0: the module's bytes are fetched, checked against the signed
  // manifest in wasm, and only then imported; it renders into a plain
  // element of the host page and talks through a port and the same relay
  // as a frame, so its grants and quotas still apply.
  async startInApp() {
    this.element.dataset.tier = 'in-app';
    this.skeleton = el('div', { class: 'frame-skeleton', 'aria-hidden': 'true' }, el('div', { class: 'bar' }), el('div', { class: 'bar short' }));
    this.element.append(this.skeleton);
    const path = this.contribution.module;
    const url = `${this.rt.pluginOrigin}/ext-ui/${this.plugin.id}/${this.plugin.digest}/${path}`;
    let bytes;
    try {
      const res = await fetch(url, { credentials: 'omit', cache: 'force-cache' });
      if (!res.ok) throw new Error(`${res.status}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      this.showError('io_error', `${path} could not be fetched (${err.message})`, true);
      return;
    }
    if (this.failed) return; // destroyed meanwhile
    const check = this.rt.core.fileCheck(this.plugin.manifestText, path, bytes);
    if (!check.ok) {
      this.showError(check.code, `${path} does not match the signed manifest: ${check.message}`, false);
      return;
    }
    const blobUrl = URL.createObjectURL(new Blob([bytes], { type: 'text/javascript' }));
    let mod;
    try {
      mod = await import(blobUrl);
    } catch (err) {
      this.fail('internal', `${path} did not load: ${err.message}`);
      return;
    } finally {
      URL.revokeObjectURL(blobUrl);
    }
    if (this.failed) return;
    if (typeof mod.mount !== 'function') {
      this.fail('internal', `${path} exports no mount(element, osp) function`);
      return;
    }
    const conn = new Connection(this.rt, this.plugin.grants);
    conn.batches = true; // the host's own SDK reads batches
    this.conn = conn;
    conn.port.onmessage = (event) => this.onMessage(conn, event.data);
    this.root = el('div', { class: 'in-app-root' });
    const client = window.ospSdk.connect(conn.remote, this.root);
    if (this.skeleton) { this.skeleton.remove(); this.skeleton = null; }
    this.element.append(this.root);
    this.notify('context', this.contextEvent());
    this.element.dataset.state = 'ready';
    this.intersecting = true;
    this.updateVisibility(true);
    try {
      const cleanup = await mod.mount(this.root, client);
      if (typeof cleanup === 'function') this.cleanup = cleanup;
    } catch (err) {
      this.fail('internal', `${this.name} failed to mount: ${err.message}`);
    }
  }

  createIframe() {
    const d = this.description;
    const iframe = document.createElement('iframe');
    // Sandbox before src: the frame must never load unsandboxed.
    iframe.setAttribute('sandbox', d.sandbox);
    iframe.setAttribute('referrerpolicy', d.referrerpolicy);
    iframe.setAttribute('allow', d.allow);
    iframe.setAttribute('loading', d.loading);
    iframe.setAttribute('title', d.title);
    iframe.style.height = `${this.height}px`;
    this.loads = 0;
    iframe.addEventListener('load', () => this.onLoad());
    iframe.src = d.src;
    this.iframe = iframe;
    this.element.append(iframe);
    this.rt.byWindow.set(iframe.contentWindow, this);
    this.observer = new IntersectionObserver((entries) => {
      this.intersecting = entries[entries.length - 1].isIntersecting;
      this.updateVisibility();
    });
    this.observer.observe(iframe);
  }

  onLoad() {
    this.loads += 1;
    // The host loads each frame once; a frame that navigates itself
    // (to another page, or another plugin's) loses its connection.
    if (this.loads > 1) {
      this.fail('forbidden', `${this.name} navigated its frame away; plugins must not navigate their frame`);
      return;
    }
    if (!this.conn) this.later(() => { if (!this.conn && !this.failed) this.fail('timeout', `${this.name} did not start (no handshake)`); }, HANDSHAKE_MS);
  }

  hello(batches) {
    // One handshake per load: a second hello would be a second port.
    if (this.conn || this.failed) return;
    const conn = new Connection(this.rt, this.plugin.grants);
    conn.batches = batches;
    this.conn = conn;
    conn.port.onmessage = (event) => this.onMessage(conn, event.data);
    // A sandboxed frame's origin is opaque ("null"): '*' is the only target
    // that reaches it; the recipient is pinned by the window itself.
    this.iframe.contentWindow.postMessage({ osp: 'welcome', v: 1 }, '*', [conn.remote]);
    this.notify('context', this.contextEvent());
    this.element.dataset.state = 'ready';
    if (this.skeleton) { this.skeleton.remove(); this.skeleton = null; }
    this.updateVisibility(true);
    this.schedulePing(conn);
  }

  contextEvent() {
    const s = this.rt.session;
    const ctx = {
      tenant: s.user.tenant,
      user: { username: s.user.username, role: s.user.role },
      locale: this.rt.locale || navigator.language || 'en',
      theme: this.rt.theme.current(),
      plugin: { id: this.plugin.id, version: this.plugin.version },
      contribution: this.contribution.id,
      surface: this.surface,
      grants: this.plugin.grants.slice(),
    };
    // Surface-specific context (object, record, field, value, editable,
    // or what ui.modal passed) sits beside, never over, the fields above.
    for (const [k, v] of Object.entries(this.extra)) if (!(k in ctx)) ctx[k] = v;
    return ctx;
  }

  // Updates the surface context (a field's new value, say) and tells the frame.
  setContext(extra) {
    this.extra = extra;
    this.notify('context', this.contextEvent());
  }

  notify(method, params) {
    if (this.conn) this.conn.post(JSON.stringify({ jsonrpc: '2.0', method, params }));
  }

  updateVisibility(force) {
    const visible = !!this.intersecting && !document.hidden;
    if (visible === this.visible && !force) return;
    this.visible = visible;
    this.notify('visibility', { visible });
  }

  onMessage(conn, text) {
    if (conn.closed) return;
    // The SDK sends JSON text; the core checks the exact bytes.
    if (typeof text !== 'string') {
      this.rt.emit({ type: 'denied', plugin: this.plugin.id, code: 'parse_error', message: 'a message that is not JSON text' });
      return;
    }
    // A batch: each piece is checked and handled as if it came alone.
    const pieces = conn.relay.split(text);
    if (pieces === null) {
      this.onOne(conn, text);
      return;
    }
    conn.collect();
    try {
      for (const piece of pieces) if (!conn.closed) this.onOne(conn, piece);
    } finally {
      conn.flush();
    }
  }

  onOne(conn, text) {
    const v = conn.relay.check(text);
    if (!v.ok) {
      if (v.reply) conn.post(v.reply);
      this.rt.emit({ type: 'denied', plugin: this.plugin.id, method: v.method, code: v.code, message: v.message });
      return;
    }
    // Strict JSON the core accepted (no duplicate keys, closed params), so
    // these parses see exactly what the core checked.  A call's params are
    // parsed alone (none at all for {}), its id taken as the core wrote it:
    // parsing whole messages was a visible share of a round trip.
    if (v.kind === 'response') this.settlePing(conn, JSON.parse(text).id);
    else if (v.method === '$/cancel') this.cancel(conn, JSON.parse(text).params.id);
    else this.run(conn, v.method, conn.relay.params(text), v.kind === 'request' ? conn.relay.key() : null);
  }

  // Runs one call that passed the relay.  The host answers most calls at
  // once (context.get, ui.*): those are answered in this same task, with
  // no timer, promise or AbortController.  A call that returns a promise
  // is tracked for its deadline and for $/cancel until it settles.
  run(conn, method, params, key) {
    const rt = this.rt;
    const work = new Work(key, 0);
    work.method = method;
    const started = rt.watches('call') ? performance.now() : -1;
    let value;
    try {
      value = rt.host.handle(this.handle, method, params, work);
    } catch (err) {
      work.now = true;
      this.finish(conn, work, params, started, false, err);
      return;
    }
    if (!(value instanceof Promise)) {
      work.now = true;
      this.finish(conn, work, params, started, true, value);
      return;
    }
    if (key !== null) {
      work.deadline = performance.now() + CALL_DEADLINE_MS;
      conn.track(work);
    }
    value.then((v) => this.finish(conn, work, params, started, true, v),
      (err) => this.finish(conn, work, params, started, false, err));
  }

  // Answers a call (unless its deadline, $/cancel or a closed connection
  // already ended it: a late answer could otherwise reach a new call that
  // reuses the id) and tells observers.
  finish(conn, work, params, started, ok, value) {
    const { key, method } = work;
    const err = ok ? null : (value || {});
    const code = ok ? null : (typeof err.code === 'string' ? err.code : 'internal');
    if (key !== null && work.now) {
      if (ok) conn.answerNow(key, result, value);
      else conn.answerNow(key, failure, code, String(err.message));
    } else if (key !== null && !work.aborted) {
      if (conn.inflight.get(key) === work) conn.inflight.delete(key);
      if (ok) conn.answer(key, result, value);
      else conn.answer(key, failure, code, String(err.message));
    }
    const rt = this.rt;
    if (started >= 0) {
      const entry = { type: 'call', plugin: this.plugin.id, method, params, ok, ms: performance.now() - started };
      if (ok) entry.result = value;
      else { entry.code = code; entry.message = err.message; }
      rt.emit(entry);
    }
    if (ok && (method === 'data.create' || method === 'data.update' || method === 'data.delete') && rt.watches('data'))
      rt.emit({ type: 'data', plugin: this.plugin.id, object: params.object, id: params.id || (value && value.id) });
  }

  // $/cancel: stop the work and answer cancelled (which frees the call's
  // in-flight slot in the relay); the SDK has already given up on it.
  cancel(conn, id) {
    const key = idKey(id);
    const work = conn.inflight.get(key);
    if (!work) return;
    conn.inflight.delete(key);
    work.abort();
    conn.answer(key, failure, 'cancelled', 'cancelled by the plugin');
  }

  // Liveness: a ping the SDK answers; none within PING_TIMEOUT_MS means
  // the frame is hung or gone.
  schedulePing(conn) {
    this.later(() => {
      if (conn.closed) return;
      if (document.hidden) { this.schedulePing(conn); return; } // timers are throttled
      const id = this.rt.nextHostId();
      conn.pings.set(id, setTimeout(() => {
        conn.pings.delete(id);
        if (!conn.closed) this.fail('timeout', `${this.name} stopped responding`);
      }, PING_TIMEOUT_MS));
      conn.post(JSON.stringify({ jsonrpc: '2.0', id, method: '$/ping' }));
    }, PING_EVERY_MS);
  }

  settlePing(conn, id) {
    const timer = conn.pings.get(id);
    if (timer === undefined) return; // not ours, or late: ignored
    clearTimeout(timer);
    conn.pings.delete(id);
    this.schedulePing(conn);
  }

  later(fn, ms) {
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms);
    this.timers.add(t);
  }

  resize(height) {
    const h = Math.round(Number(height));
    if (!Number.isFinite(h)) return this.height;
    const max = this.surface === 'modal' ? Math.round(window.innerHeight * 0.8) : MAX_HEIGHT;
    this.height = Math.max(MIN_HEIGHT[this.surface], Math.min(max, h));
    if (this.iframe) this.iframe.style.height = `${this.height}px`;
    return this.height;
  }

  // Tab past the frame's last element (or Shift-Tab before its first)
  // moves to the host's next (previous) focusable element.
  focusHandoff(to) {
    if (to === 'escape') {
      if (this.surface === 'modal') this.rt.modals.close();
      else this.element.focus();
      return;
    }
    const all = Array.from(document.querySelectorAll(FOCUSABLE))
      .filter((e) => !e.closest('[hidden],[inert]') && (e.offsetParent !== null || e === this.iframe));
    const i = all.indexOf(this.iframe);
    const next = all[to === 'next' ? i + 1 : i - 1] || (to === 'next' ? all[0] : all[all.length - 1]);
    if (next && next !== this.iframe) next.focus();
    else this.element.focus();
  }

  openModal(contributionId, ctx) {
    const c = this.plugin.contributions.find((k) => k.id === contributionId);
    if (!c) return false;
    const body = el('div', { class: 'modal-body' });
    let frame = null;
    this.rt.modals.show(c.title || this.plugin.name, body, {
      label: `${c.title || c.id} · ${this.plugin.name}`,
      onClose: () => frame && frame.destroy(),
    });
    const rt = this.rt;
    frame = new PluginFrame(rt, this.plugin, c, { modal: ctx, opener: this.contribution.id }, { modal: true, offscreen: false });
    body.append(frame.element);
    frame.start();
    return true;
  }

  // A frame that broke: its calls are rejected (aborted; no answer can
  // reach a new document), and a tile offers a reload.
  fail(code, message) {
    if (this.failed) return;
    this.disconnect();
    this.failed = true;
    this.rt.emit({ type: 'crash', plugin: this.plugin.id, code, message });
    this.showError(code, message, true);
  }

  showError(code, message, reloadable) {
    this.element.dataset.state = 'error';
    if (this.skeleton) { this.skeleton.remove(); this.skeleton = null; }
    const reload = reloadable
      ? el('button', { type: 'button', class: 'button', onclick: () => this.reload() }, 'Reload')
      : null;
    this.errorNode = el('div', { class: 'frame-error', 'data-plugin-error': code, role: 'alert' },
      el('p', {}, el('code', { text: code }), ` — ${message}`), reload);
    if (this.iframe) this.iframe.hidden = true;
    this.element.append(this.errorNode);
  }

  disconnect() {
    if (this.cleanup) {
      const fn = this.cleanup;
      this.cleanup = null;
      try { fn(); } catch (err) { console.warn(`osp: ${this.plugin.id} cleanup failed: ${err.message}`); }
    }
    if (this.root) { this.root.remove(); this.root = null; }
    if (this.conn) { this.conn.close(); this.conn = null; }
    this.timers.forEach((t) => clearTimeout(t));
    this.timers.clear();
  }

  // A fresh browsing context: the old document (hung or not) is gone, the
  // new one re-handshakes from scratch.
  reload() {
    this.disconnect();
    this.failed = false;
    if (this.errorNode) { this.errorNode.remove(); this.errorNode = null; }
    if (this.element.dataset.tier === 'in-app') {
      this.element.dataset.state = 'loading';
      this.startInApp();
      return;
    }
    this.dropIframe();
    this.element.dataset.state = 'loading';
    this.skeleton = el('div', { class: 'frame-skeleton', 'aria-hidden': 'true' }, el('div', { class: 'bar' }), el('div', { class: 'bar short' }));
    this.element.append(this.skeleton);
    this.createIframe();
  }

  dropIframe() {
    if (!this.iframe) return;
    this.rt.byWindow.delete(this.iframe.contentWindow);
    if (this.observer) this.observer.disconnect();
    this.iframe.remove();
    this.iframe = null;
  }

  destroy() {
    this.rt.mounted.delete(this);
    this.disconnect();
    this.failed = true;
    this.dropIframe();
    this.element.remove();
  }
}
