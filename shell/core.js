// The browser side of osp-core.wasm: the one place JavaScript talks to the
// C core.  Every decision (is this bundle trusted, what is this frame's
// src and sandbox, may this message pass) is made in wasm; this file only
// moves bytes in and JSON out (include/osp/api.h).
import createOspCore from '/core/osp-core.js';

const encoder = new TextEncoder();
const SCRATCH_MAX = 256 * 1024; // bytes; a relay refuses messages over 64 KiB anyway
const ASCII_LOOP_MAX = 2048; // UTF-16 units copied by hand (see put)

export async function loadCore() {
  const m = await createOspCore();

  // Copies a string or bytes into wasm memory (NUL-terminated).
  function alloc(value) {
    const bytes = typeof value === 'string' ? encoder.encode(value) : value;
    const p = m._malloc(bytes.length + 1);
    m.HEAPU8.set(bytes, p);
    m.HEAPU8[p + bytes.length] = 0;
    return [p, bytes.length];
  }

  // Calls fn with the given string/bytes arguments as (ptr, len) pairs or
  // plain pointers, then frees everything and parses the JSON result.
  function call(fn, build) {
    const held = [];
    const take = (v) => {
      const a = alloc(v);
      held.push(a[0]);
      return a;
    };
    try {
      const out = build(take, fn);
      const text = m.UTF8ToString(out);
      m._osp_api_free(out);
      return JSON.parse(text);
    } finally {
      held.forEach((p) => m._free(p));
    }
  }

  const errors = JSON.parse(m.UTF8ToString(m._osp_api_errors()));

  // What relay.check returns for a message that passes: one frozen object
  // per (method, kind), indexed by the core's verdict number (kind + 4 *
  // method, include/osp/api.h), so the common case allocates nothing.
  const methods = call(m._osp_api_rpc_methods, (take, fn) => fn());
  const KINDS = ['request', 'notification', 'response'];
  const passed = [];
  methods.forEach((method, i) => KINDS.forEach((kind, k) => {
    passed[k + 4 * i] = Object.freeze({ ok: true, kind, method: kind === 'response' ? null : method });
  }));
  const requestSize = m._osp_api_relay_request_size();
  const info = call(m._osp_api_info, (take, fn) => fn());
  const coreLimits = info.limits;
  const layout = info.request; // byte offsets in the request record
  if (layout.size_bytes !== 4) throw new Error('osp core: unexpected request layout');
  const SEPARATOR = String.fromCharCode(coreLimits.rpc_batch_separator);

  return {
    errors,
    // The core's limits (osp_api_info): rpc_bytes, rpc_depth, rpc_batch, …
    limits: coreLimits,

    // Verifies a signed manifest against the publisher's keys; usedAt is
    // the publish time in seconds (see osp_verify_manifest).
    verify(manifest, signature, keys, usedAt, expectedDigest) {
      return call(m._osp_api_verify, (take, fn) => {
        const [mp, ml] = take(manifest);
        const [sp, sl] = take(signature);
        const [kp] = take(JSON.stringify(keys));
        const [dp] = take(expectedDigest || '');
        return fn(mp, ml, sp, sl, kp, usedAt, dp);
      });
    },

    frame(manifest, digest, contribution, pluginOrigin, offscreen) {
      return call(m._osp_api_frame, (take, fn) => {
        const [mp, ml] = take(manifest);
        return fn(mp, ml, take(digest)[0], take(contribution)[0], take(pluginOrigin)[0],
          offscreen ? 1 : 0);
      });
    },

    // Checks a file's bytes (Uint8Array) against a verified manifest
    // before the shell runs them in-app (tier U0).
    fileCheck(manifest, path, bytes) {
      return call(m._osp_api_file_check, (take, fn) => {
        const [mp, ml] = take(manifest);
        const [dp, dl] = take(bytes);
        return fn(mp, ml, take(path)[0], dp, dl);
      });
    },

    // A relay for one frame: check(message) says whether it may pass;
    // reply(id) must say yes before the host answers call id.
    relay(grants, limits) {
      const [gp] = alloc(JSON.stringify(grants));
      const [lp] = alloc(JSON.stringify(limits || {}));
      const handle = m._osp_api_relay_new(gp, lp);
      m._free(gp);
      m._free(lp);
      if (!handle) throw new Error('osp core: cannot create a relay');
      // Every message of the frame comes through here, so each relay keeps
      // one buffer in wasm memory for them rather than allocating, copying
      // and freeing a fresh one per message (that was most of a check's
      // cost: bench/browser).  Text that could need more than SCRATCH_MAX
      // bytes takes the general path.
      let scratch = 0;
      let scratchCap = 0;
      let view = null; // the buffer as a Uint8Array (renewed when memory grows)
      let checkedBytes = -1; // the last checked message's UTF-8 length, -1 if not in the buffer
      // Writes text NUL-terminated into the buffer; its byte length, or -1.
      const put = (text) => {
        const need = text.length * 3 + 1; // UTF-8 bytes per UTF-16 unit: at most 3
        if (need > SCRATCH_MAX) return -1;
        if (need > scratchCap) {
          if (scratch) m._free(scratch);
          scratchCap = Math.max(need, 1024);
          scratch = m._malloc(scratchCap);
          view = null;
          if (!scratch) { scratchCap = 0; return -1; }
        }
        // Short ASCII text (every message the SDK sends for a call) is
        // copied in a plain loop: encodeInto is a call into the browser
        // that cost ~5 µs per message in place against ~1 µs for the loop
        // (cold caches between messages; bench/browser, BENCH_INSITU).
        const heap = m.HEAPU8;
        const len = text.length;
        if (len <= ASCII_LOOP_MAX) {
          let i = 0;
          for (let c; i < len && (c = text.charCodeAt(i)) <= 0x7f; i++) heap[scratch + i] = c;
          if (i === len) { heap[scratch + len] = 0; return len; }
        }
        if (!view || view.buffer !== heap.buffer) view = heap.subarray(scratch, scratch + scratchCap - 1);
        const { written } = encoder.encodeInto(text, view);
        heap[scratch + written] = 0;
        return written;
      };
      // The core's working record of the last check (what a refusal says).
      const req = m._malloc(requestSize);
      if (!req) { m._osp_api_relay_free(handle); throw new Error('osp core: cannot create a relay'); }
      return {
        // The messages of one port message: a batch's pieces, or null to
        // check the text whole (one message, or a batch past the core's
        // limits, which the core then refuses: the separator is not JSON).
        split: (text) => {
          const max = coreLimits.rpc_bytes;
          if (text.indexOf(SEPARATOR) < 0 || text.length > max) return null;
          if (text.length * 3 > max && encoder.encode(text).length > max) return null;
          const pieces = text.split(SEPARATOR);
          return pieces.length <= coreLimits.rpc_batch ? pieces : null;
        },
        // {ok, kind, method} for a message that may pass (the caller parses
        // it for its id and params); {ok: false, code, message, reply?}
        // for one that may not.
        check: (message) => {
          const now = performance.now();
          let v;
          const n = put(message);
          checkedBytes = n;
          if (n >= 0) {
            v = m._osp_api_relay_inbound(handle, scratch, n, now, req);
          } else {
            const [p, len] = alloc(message);
            v = m._osp_api_relay_inbound(handle, p, len, now, req);
            m._free(p);
          }
          if (v >= 0) return passed[v];
          const out = m._osp_api_relay_refusal(req, v);
          const text = m.UTF8ToString(out);
          m._osp_api_free(out);
          return JSON.parse(text);
        },
        // For the message check() just passed: its id as the JSON text
        // the relay knows the call by (the key reply() takes), and its
        // params, parsed alone from the span the core found (the whole
        // message is parsed only when it is not ASCII, whose byte offsets
        // would not be string offsets).
        key: () => {
          const heap = m.HEAPU8;
          let p = req + layout.id;
          let key = '';
          for (let c; (c = heap[p]) !== 0; p++) {
            if (c > 0x7f) return m.UTF8ToString(req + layout.id);
            key += String.fromCharCode(c);
          }
          return key;
        },
        params: (message) => {
          const len = m.HEAPU32[(req + layout.params_len) >> 2];
          if (len === 0) return undefined;
          if (len === 2) return {}; // an object of two bytes is {}
          if (checkedBytes !== message.length) return JSON.parse(message).params;
          const at = m.HEAPU32[(req + layout.params_at) >> 2];
          return JSON.parse(message.slice(at, at + len));
        },
        reply: (idJson) => {
          if (put(idJson) >= 0) return m._osp_api_relay_reply(handle, scratch) === 0;
          const [p] = alloc(idJson);
          const rc = m._osp_api_relay_reply(handle, p);
          m._free(p);
          return rc === 0;
        },
        close: () => {
          m._osp_api_relay_free(handle);
          m._free(req);
          if (scratch) m._free(scratch);
          scratch = 0;
          scratchCap = 0;
        },
      };
    },
  };
}
