// The host SDK: what a plugin's call does once the relay in wasm has let
// it through (envelope, grant, params and quotas already checked).  Data
// and storage calls go to the server under the user's session with the
// plugin's id in X-OSP-Plugin, and the server checks the grant again
// against the user's own rights, so a client that skips the relay gains
// nothing.  ui.* calls act on the shell through the frame they came from.
import { ApiError } from '/shell/api.js';

export class HostError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const seg = encodeURIComponent;

// frame: what the calling frame offers the host (see plugins.js):
//   plugin {id, name, publisher, grants, manifest}, context(),
//   resize(h), focus(to), close(), openModal(contribution, context)
export function createHost({ api, toast, navigate }) {
  // work.signal is made on first use: only calls that go to the server
  // need one.
  const data = (frame, method, path, body, work) =>
    api.request(method, path, { body, plugin: frame.plugin.id, signal: work.signal });

  const handlers = {
    'context.get': (frame) => frame.context(),

    'data.query': (frame, p, work) => data(frame, 'POST', `/api/v1/data/${seg(p.object)}/query`,
      { filter: p.filter, sort: p.sort, limit: p.limit, offset: p.offset }, work),
    'data.get': (frame, p, work) =>
      data(frame, 'GET', `/api/v1/data/${seg(p.object)}/${seg(p.id)}`, undefined, work),
    'data.create': (frame, p, work) =>
      data(frame, 'POST', `/api/v1/data/${seg(p.object)}`, { values: p.values }, work),
    'data.update': (frame, p, work) =>
      data(frame, 'PATCH', `/api/v1/data/${seg(p.object)}/${seg(p.id)}`, { values: p.values }, work),
    'data.delete': (frame, p, work) =>
      data(frame, 'DELETE', `/api/v1/data/${seg(p.object)}/${seg(p.id)}`, undefined, work),

    'storage.get': async (frame, p, work) => {
      try {
        return await data(frame, 'GET', `/api/v1/storage/${seg(p.key)}`, undefined, work);
      } catch (err) {
        if (err.code === 'not_found') return { value: null };
        throw err;
      }
    },
    'storage.set': (frame, p, work) =>
      data(frame, 'PUT', `/api/v1/storage/${seg(p.key)}`, { value: p.value }, work),
    'storage.remove': async (frame, p, work) => {
      try {
        return await data(frame, 'DELETE', `/api/v1/storage/${seg(p.key)}`, undefined, work);
      } catch (err) {
        if (err.code === 'not_found') return { removed: false };
        throw err;
      }
    },
    'storage.list': (frame, p, work) => data(frame, 'GET', '/api/v1/storage', undefined, work),

    'ui.toast': (frame, p) => {
      const kind = ['info', 'success', 'warning', 'error'].includes(p.kind) ? p.kind : 'info';
      toast(p.message, { from: frame.plugin.name, kind });
      return { shown: true };
    },
    'ui.modal': (frame, p) => {
      const opened = frame.openModal(p.contribution, p.context || {});
      if (!opened) throw new HostError('not_found', `this plugin has no contribution ${p.contribution}`);
      return { opened: true };
    },
    'ui.navigate': (frame, p) => {
      if (!navigate(p.to)) throw new HostError('not_found', `the host has no page /${p.to.replace(/^\//, '')}`);
      return { navigated: true };
    },
    'ui.resize': (frame, p) => ({ height: frame.resize(p.height) }),
    'ui.focus': (frame, p) => {
      if (!['next', 'previous', 'escape'].includes(p.to))
        throw new HostError('invalid_params', 'to is next, previous or escape');
      frame.focus(p.to);
      return { ok: true };
    },
    'ui.close': (frame) => {
      frame.close();
      return { ok: true };
    },
  };

  // Any failure becomes a HostError or ApiError with a stable code.
  const stable = (method, err) => {
    if (err instanceof HostError || err instanceof ApiError) return err;
    if (err && err.name === 'AbortError') return new HostError('cancelled', `${method} was stopped`);
    return new HostError('internal', `${method} failed in the host`);
  };

  return {
    // Runs method for frame.  Returns the result when the handler has it
    // at once (ui.*, context.get: no promise, no extra microtask), else a
    // promise of it; throws or rejects with an error carrying a stable
    // code.  work.signal aborts the work (deadline or the plugin's
    // $/cancel).
    handle(frame, method, params, work) {
      const h = handlers[method];
      if (!h) throw new HostError('method_not_found', `${method} is not available in this host`);
      let out;
      try {
        out = h(frame, params || {}, work);
      } catch (err) {
        throw stable(method, err);
      }
      if (out instanceof Promise) return out.catch((err) => { throw stable(method, err); });
      return out;
    },
  };
}
