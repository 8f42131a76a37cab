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
const result = (id, value) => JSON.stringify({ jsonrpc: '2.0', id, result: value === undefined ? null : value });
const failure = (id, code, message) => JSON.stringify({
  jsonrpc: '2.0', id, error: { code: RPC_NUMBER[code] || -32000, message, data: { code } },
});
const idKey = (id) => JSON.stringify(id);

const FOCUSABLE = 'a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),' +
  'textarea:not([disabled]),iframe,[tabindex]:not([tabindex="-1"])';

// The runtime for one signed-in page: every frame of every plugin.
export function createPluginRuntime({ core, host, theme, modals, session, pluginOrigin }) {
  const plugins = new Map(); // id -> verified plugin
  const failed = []; // {id, code, message}
  const byWindow = new Map(); // contentWindow -> PluginFrame (for the handshake)
  const mounted = new Set(); // every PluginFrame, framed or in-app, until destroyed
  const observers = new Set();
  let hostSeq = 0;

  const rt = {
    core, host, theme, modals, session, pluginOrigin,
    byWindow, mounted,
    locale: null, // null: the browser's; osp dev's locale switch sets one
    nextHostId: () => `$h${++hostSeq}`,
    emit(entry) { observers.forEach((fn) => fn(entry)); },
  };

  // Handshake: a frame we mounted, recognised by its window, says hello
  // and gets a private port.  A window we did not mount gets nothing.
  function onHello(event) {
    const frame = byWindow.get(event.source);
    if (!frame || !event.data || event.data.osp !== 'hello' || event.data.v !== 1) return;
    frame.hello();
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
    observe(fn) { observers.add(fn); return () => observers.delete(fn); },
    // Overrides the locale frames see (osp dev's switch) and tells them.
    setLocale(locale) {
      rt.locale = locale || null;
      mounted.forEach((f) => f.notify('context', f.contextEvent()));
    },
    frames: () => Array.from(mounted),
  };
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
    this.inflight = new Map(); // idKey -> AbortController
    this.pings = new Map(); // host id -> timer
    this.closed = false;
  }
  post(text) {
    if (!this.closed) this.port.postMessage(text);
  }
  // The core allows exactly one answer per call, and none once closed.
  answer(id, text) {
    if (!this.closed && this.relay.reply(idKey(id))) this.port.postMessage(text);
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.inflight.forEach((c) => c.abort());
    this.inflight.clear();
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

  hello() {
    // One handshake per load: a second hello would be a second port.
    if (this.conn || this.failed) return;
    const conn = new Connection(this.rt, this.plugin.grants);
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
    const v = conn.relay.check(text);
    if (!v.ok) {
      if (v.reply) conn.post(v.reply);
      this.rt.emit({ type: 'denied', plugin: this.plugin.id, method: v.method, code: v.code, message: v.message });
      return;
    }
    if (v.kind === 'response') this.settlePing(conn, v.id);
    else if (v.method === '$/cancel') this.cancel(conn, v.cancel);
    else this.run(conn, v, JSON.parse(text).params, v.kind === 'request' ? v.id : null);
  }

  async run(conn, v, params, id) {
    const controller = new AbortController();
    const started = performance.now();
    let timer = null;
    if (id !== null) {
      conn.inflight.set(idKey(id), controller);
      timer = setTimeout(() => {
        controller.abort();
        conn.answer(id, failure(id, 'timeout', `${v.method} took longer than ${CALL_DEADLINE_MS / 1000} s`));
      }, CALL_DEADLINE_MS);
    }
    const report = { type: 'call', plugin: this.plugin.id, method: v.method, params };
    try {
      const value = await this.rt.host.handle(this.handle, v.method, params, controller.signal);
      if (id !== null) conn.answer(id, result(id, value));
      this.rt.emit({ ...report, ok: true, result: value, ms: performance.now() - started });
      if (v.method === 'data.create' || v.method === 'data.update' || v.method === 'data.delete')
        this.rt.emit({ type: 'data', plugin: this.plugin.id, object: params.object, id: params.id || (value && value.id) });
    } catch (err) {
      const code = typeof err.code === 'string' ? err.code : 'internal';
      if (id !== null) conn.answer(id, failure(id, code, err.message));
      this.rt.emit({ ...report, ok: false, code, message: err.message, ms: performance.now() - started });
    } finally {
      clearTimeout(timer);
      if (id !== null) conn.inflight.delete(idKey(id));
    }
  }

  // $/cancel: stop the work and answer cancelled (which frees the call's
  // in-flight slot in the relay); the SDK has already given up on it.
  cancel(conn, id) {
    const controller = conn.inflight.get(idKey(id));
    if (!controller) return;
    controller.abort();
    conn.answer(id, failure(id, 'cancelled', 'cancelled by the plugin'));
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
