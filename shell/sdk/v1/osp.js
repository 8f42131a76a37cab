// osp plugin SDK, protocol 1.  The host serves it at /_osp/sdk/v1/osp.js;
// plugins load it with the integrity `osp sdk-tag` prints, never bundle it.
// Reference: docs/plugin-sdk.md; types: osp.d.ts.
(function () {
  'use strict';
  if (window.osp || window.ospSdk) return;

  var DEFAULT_TIMEOUT_MS = 15000;
  var MAX_MESSAGE_BYTES = 64 * 1024; // the relay's limit (OSP_RPC_MAX_BYTES), also per batch
  var BATCH_MAX = 64; // messages per port message (OSP_RPC_BATCH_MAX)
  var SEPARATOR = '\u001e'; // between a batch's messages (OSP_RPC_BATCH_SEPARATOR)
  var RESIZE_INTERVAL_MS = 100;

  function OspError(code, message) {
    var e = new Error(message || code);
    e.name = 'OspError';
    e.code = code;
    Object.setPrototypeOf(e, OspError.prototype);
    return e;
  }
  OspError.prototype = Object.create(Error.prototype);
  OspError.prototype.constructor = OspError;

  // One client: a frame's own (window.osp), or one per in-app module
  // (tier U0) on the host page, which hands it the port and the element
  // it renders into.  Resize, focus handoff and the localStorage shim are
  // for frames only.
  function createClient(inApp) {
    var root = inApp ? inApp.root : document.documentElement;
    var port = null;
    var nextId = 1;
    var calls = new Map(); // id -> { resolve, reject, method, deadline, signal, onAbort }
    var listeners = new Map();
    var context = null;
    var resolveReady;
    var ready = new Promise(function (r) { resolveReady = r; });

    // Batches: while other calls are in flight, a message waits for the
    // end of the current task's microtasks and leaves with the others as
    // one port message, so 100 calls in flight cost the host a handful of
    // port messages rather than 100.  With nothing in flight it leaves at
    // once (no added latency).  A batch stays within the relay's limits
    // (bytes counted as at most 3 per UTF-16 unit).
    var outbox = [], outboxBytes = 0, resolved = Promise.resolve();
    function flush() {
      if (!outbox.length) return;
      var text = outbox.length === 1 ? outbox[0] : outbox.join(SEPARATOR);
      outbox = [];
      outboxBytes = 0;
      port.postMessage(text);
    }
    function postText(text) {
      if (!outbox.length && calls.size === 0) { port.postMessage(text); return; }
      var bytes = text.length * 3 + 1;
      if (outbox.length && (outbox.length >= BATCH_MAX || outboxBytes + bytes > MAX_MESSAGE_BYTES)) flush();
      outbox.push(text);
      outboxBytes += bytes;
      if (outbox.length === 1) resolved.then(flush);
    }
    function post(message) {
      postText(JSON.stringify(message));
    }

    function emit(event, params) {
      (listeners.get(event) || []).slice().forEach(function (fn) {
        try { fn(params); } catch (err) { setTimeout(function () { throw err; }); }
      });
    }

    // Host theme tokens become CSS variables on the root element.
    function applyTheme(theme) {
      if (!theme || typeof theme !== 'object') return;
      var tokens = theme.tokens || {};
      Object.keys(tokens).forEach(function (name) {
        if (/^--osp-[a-z0-9-]+$/.test(name) && typeof tokens[name] === 'string')
          root.style.setProperty(name, tokens[name]);
      });
      if (theme.name === 'light' || theme.name === 'dark') {
        root.dataset.ospTheme = theme.name;
        root.style.colorScheme = theme.name;
      }
    }

    function settle(message) {
      var call = calls.get(message.id);
      if (!call) return; // unknown, answered already, or forged: ignored
      calls.delete(message.id);
      if (call.signal) call.signal.removeEventListener('abort', call.onAbort);
      if (message.error) {
        var data = message.error.data || {};
        call.reject(OspError(typeof data.code === 'string' ? data.code : 'internal',
          String(message.error.message || 'the call failed')));
      } else {
        call.resolve(message.result);
      }
    }

    function onMessage(event) {
      var data = event.data; // read once: each read goes through the bindings
      if (typeof data !== 'string') return;
      if (data.indexOf(SEPARATOR) < 0) { onText(data); return; }
      data.split(SEPARATOR).forEach(onText);
    }

    function onText(text) {
      var message;
      try { message = JSON.parse(text); } catch (err) { return; }
      if (!message || message.jsonrpc !== '2.0') return;
      if (typeof message.method !== 'string') { settle(message); return; }
      if (message.method === '$/ping') {
        if (message.id !== undefined) post({ jsonrpc: '2.0', id: message.id, result: 'pong' });
        return;
      }
      if (message.method === 'context') {
        context = message.params;
        if (context && context.theme) applyTheme(context.theme);
        if (port && resolveReady) { var r = resolveReady; resolveReady = null; loadStorage().then(r); }
      }
      if (message.method === 'theme') applyTheme(message.params);
      emit(message.method, message.params);
    }

    // Handshake: the parent (and only the parent) hands over a private port;
    // every message afterwards travels on it.  In-app, the host passes it.
    if (inApp) {
      port = inApp.port;
      port.onmessage = onMessage;
    } else {
      window.addEventListener('message', function handshake(event) {
        if (event.source !== window.parent || port) return;
        if (!event.data || event.data.osp !== 'welcome' || !event.ports || !event.ports[0]) return;
        port = event.ports[0];
        port.onmessage = onMessage;
        window.removeEventListener('message', handshake);
      });
      // batch: this SDK reads batches (docs/protocol.md).
      window.parent.postMessage({ osp: 'hello', v: 1, batch: true }, '*');
    }

    // Gives up on call id: rejects it with code and tells the host.
    function abandon(id, call, code) {
      calls.delete(id);
      if (call.signal) call.signal.removeEventListener('abort', call.onAbort);
      post({ jsonrpc: '2.0', method: '$/cancel', params: { id: id } });
      call.reject(OspError(code, code === 'timeout' ? call.method + ' took too long' : call.method + ' was cancelled'));
    }

    // Timeouts: one timer for the earliest deadline of all calls, not one
    // per call (a timer per call was a large share of a call's cost).  It
    // is re-armed only when a call's deadline is earlier than the armed
    // one, and left to fire otherwise: the sweep finds what expired and
    // arms itself for the next.
    var sweepTimer = null, sweepAt = Infinity;
    function armSweep(at) {
      if (at >= sweepAt) return;
      if (sweepTimer) clearTimeout(sweepTimer);
      sweepAt = at;
      sweepTimer = setTimeout(sweep, Math.max(0, at - performance.now()));
    }
    function sweep() {
      sweepTimer = null;
      sweepAt = Infinity;
      var now = performance.now() + 1; // 1 ms: a timer may fire a little early
      var next = Infinity;
      calls.forEach(function (call, id) {
        if (call.deadline <= now) abandon(id, call, 'timeout');
        else if (call.deadline < next) next = call.deadline;
      });
      if (next < Infinity) armSweep(next);
    }

    // A call on the port; call() waits for ready() first.
    function send(method, params, options) {
      var signal = options && options.signal;
      if (signal && signal.aborted) return Promise.reject(OspError('cancelled', method + ' was cancelled'));
      var id = nextId++;
      // The relay cannot answer a message it cannot read (its id
      // included): refuse an oversized one here rather than time out.
      var text = JSON.stringify({ jsonrpc: '2.0', id: id, method: method, params: params || {} });
      if (text.length * 3 > MAX_MESSAGE_BYTES && new TextEncoder().encode(text).length > MAX_MESSAGE_BYTES)
        return Promise.reject(OspError('too_big', method + ' is larger than ' + MAX_MESSAGE_BYTES + ' bytes'));
      // The message leaves before the call's bookkeeping: its answer
      // cannot arrive before this task ends, and the round trip is shorter.
      postText(text);
      var call = { resolve: null, reject: null, method: method, signal: signal || null, onAbort: null,
        deadline: performance.now() + ((options && options.timeout) || DEFAULT_TIMEOUT_MS) };
      var promise = new Promise(function (resolve, reject) { call.resolve = resolve; call.reject = reject; });
      if (signal) {
        call.onAbort = function () { if (calls.get(id) === call) abandon(id, call, 'cancelled'); };
        signal.addEventListener('abort', call.onAbort);
      }
      calls.set(id, call);
      armSweep(call.deadline);
      return promise;
    }

    // Before ready() every call waits for it; after, it goes out at once
    // (no extra promise hop).
    var isReady = false;
    ready.then(function () { isReady = true; });
    function call(method, params, options) {
      if (isReady) {
        try { return send(method, params, options); } catch (err) { return Promise.reject(err); }
      }
      return ready.then(function () { return send(method, params, options); });
    }

    function notify(method, params) {
      if (port) post({ jsonrpc: '2.0', method: method, params: params || {} });
    }

    // Size: reported as the content changes, at most every 100 ms.
    var lastHeight = -1, resizeTimer = null;
    function reportSize() {
      resizeTimer = null;
      // The root's box, not scrollHeight: that never drops below the
      // frame's current height, so a frame could grow but never shrink.
      var h = Math.min(10000, Math.max(0, Math.ceil(document.documentElement.getBoundingClientRect().height)));
      if (h !== lastHeight) { lastHeight = h; notify('ui.resize', { height: h }); }
    }
    function scheduleSize() {
      if (!resizeTimer) resizeTimer = setTimeout(reportSize, lastHeight < 0 ? 0 : RESIZE_INTERVAL_MS);
    }

    // Focus: Tab past the last element (or Shift-Tab before the first) gives
    // focus back to the host; Escape asks the host to close a modal.
    var FOCUSABLE = 'a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),' +
      'textarea:not([disabled]),[tabindex]:not([tabindex="-1"])';
    if (!inApp) document.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') { notify('ui.focus', { to: 'escape' }); return; }
      if (event.key !== 'Tab') return;
      var items = Array.prototype.filter.call(document.querySelectorAll(FOCUSABLE), function (el) {
        return el.offsetParent !== null || el === document.activeElement;
      });
      var first = items[0], last = items[items.length - 1], active = document.activeElement;
      if (!items.length || (!event.shiftKey && active === last) || (event.shiftKey && active === first)) {
        event.preventDefault();
        notify('ui.focus', { to: event.shiftKey ? 'previous' : 'next' });
      }
    }, true);

    // A localStorage for the opaque origin, kept on the host per user and
    // plugin (storage.*).  Writes go through at once; reads come from the
    // copy loaded before ready().
    var store = new Map();
    function granted(permission) {
      return !!(context && Array.isArray(context.grants) && context.grants.indexOf(permission) >= 0);
    }
    function persist(promise) {
      promise.catch(function (err) { setTimeout(function () { throw err; }); });
    }
    var shim = {
      getItem: function (key) { key = String(key); return store.has(key) ? store.get(key) : null; },
      setItem: function (key, value) {
        key = String(key); value = String(value);
        store.set(key, value);
        persist(call('storage.set', { key: key, value: value }));
      },
      removeItem: function (key) {
        key = String(key);
        if (store.delete(key)) persist(call('storage.remove', { key: key }));
      },
      clear: function () { Array.from(store.keys()).forEach(shim.removeItem); },
      key: function (i) { return Array.from(store.keys())[i] || null; },
    };
    Object.defineProperty(shim, 'length', { get: function () { return store.size; } });
    function loadStorage() {
      if (!granted('storage')) return Promise.resolve();
      if (!inApp) try {
        Object.defineProperty(window, 'localStorage', { configurable: true, get: function () { return shim; } });
      } catch (err) { /* leave the browser's (throwing) one */ }
      return send('storage.list', {}).then(function (list) {
        return Promise.all(list.keys.map(function (key) {
          return send('storage.get', { key: key }).then(function (r) {
            if (typeof r.value === 'string') store.set(key, r.value);
          });
        }));
      }).catch(function () { /* storage unavailable: start empty */ });
    }
    if (!inApp) ready.then(function () {
      if (window.ResizeObserver) new ResizeObserver(scheduleSize).observe(document.documentElement);
      scheduleSize();
    });

    return Object.freeze({
      OspError: OspError,
      ready: function () { return ready; },
      call: call,
      on: function (event, fn) {
        if (!listeners.has(event)) listeners.set(event, []);
        listeners.get(event).push(fn);
        return function off() {
          var list = listeners.get(event) || [];
          var i = list.indexOf(fn);
          if (i >= 0) list.splice(i, 1);
        };
      },
      context: Object.freeze({
        get: function () { return call('context.get'); },
        current: function () { return context; },
      }),
      data: Object.freeze({
        query: function (q, options) { return call('data.query', q, options); },
        get: function (q, options) { return call('data.get', q, options); },
        create: function (q, options) { return call('data.create', q, options); },
        update: function (q, options) { return call('data.update', q, options); },
        delete: function (q, options) { return call('data.delete', q, options); },
      }),
      storage: Object.freeze({
        get: function (key) { return call('storage.get', { key: key }).then(function (r) { return r.value; }); },
        set: function (key, value) { return call('storage.set', { key: key, value: value }); },
        remove: function (key) { return call('storage.remove', { key: key }); },
        list: function () { return call('storage.list', {}).then(function (r) { return r.keys; }); },
        local: shim,
      }),
      ui: Object.freeze({
        toast: function (message, kind) { return call('ui.toast', kind ? { message: message, kind: kind } : { message: message }); },
        modal: function (contribution, ctx) { return call('ui.modal', ctx ? { contribution: contribution, context: ctx } : { contribution: contribution }); },
        navigate: function (to) { return call('ui.navigate', { to: to }); },
        resize: function (height) { return call('ui.resize', { height: height }); },
        close: function () { notify('ui.close', {}); },
      }),
    });
  }

  if (window.parent !== window) window.osp = createClient(null);
  else window.ospSdk = Object.freeze({
    connect: function (port, root) { return createClient({ port: port, root: root }); },
  });
})();
