// The shell's HTTP client for the app origin's JSON API.  The session
// cookie is HttpOnly; what the page holds is the session's CSRF token,
// sent as X-OSP-CSRF on every request (the server requires it on every
// state-changing one).  Errors arrive as {"error":{"code","message"}} and
// leave here as ApiError with the same stable code.
export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

export function createApi({ onSignedOut } = {}) {
  let csrf = null;

  async function request(method, path, { body, plugin, signal } = {}) {
    const headers = { Accept: 'application/json' };
    if (csrf) headers['X-OSP-CSRF'] = csrf;
    if (plugin) headers['X-OSP-Plugin'] = plugin;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        signal,
      });
    } catch (err) {
      if (err.name === 'AbortError') throw err;
      throw new ApiError('unavailable', 'the server cannot be reached', 0);
    }
    const json = await res.json().catch(() => null);
    if (!res.ok) {
      const e = json && json.error;
      if (res.status === 401 && csrf && onSignedOut) {
        csrf = null;
        onSignedOut();
      }
      throw new ApiError(e ? e.code : 'internal', e ? e.message : `HTTP ${res.status}`, res.status);
    }
    return json;
  }

  return {
    request,
    get: (path, opts) => request('GET', path, opts),
    post: (path, body, opts) => request('POST', path, { ...opts, body }),
    patch: (path, body, opts) => request('PATCH', path, { ...opts, body }),
    put: (path, body, opts) => request('PUT', path, { ...opts, body }),
    del: (path, opts) => request('DELETE', path, opts),

    // The current session, or null when signed out.
    async session() {
      try {
        const s = await request('GET', '/api/v1/session');
        csrf = s.csrf;
        return s;
      } catch (err) {
        if (err.status === 401) return null;
        throw err;
      }
    },
    async signIn(tenant, username, password) {
      // Login has no session yet: any value in the header proves the
      // request came from script on this origin, not a cross-site form.
      const res = await fetch('/api/v1/session', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-OSP-CSRF': 'login' },
        body: JSON.stringify({ tenant, username, password }),
        credentials: 'same-origin',
      });
      const json = await res.json().catch(() => null);
      if (!res.ok) {
        const e = json && json.error;
        throw new ApiError(e ? e.code : 'internal', e ? e.message : `HTTP ${res.status}`, res.status);
      }
      csrf = json.csrf;
      return json;
    },
    async signOut() {
      try { await request('DELETE', '/api/v1/session'); } finally { csrf = null; }
    },
  };
}
