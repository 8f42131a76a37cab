// The dev overlay (osp dev only; app.js loads this module when the server
// says it is a dev server).  It reloads the plugin's frames after each
// build, and explains what went wrong in plain words: manifest problems
// from the build, CSP violations (from the server's report ring), calls
// the relay or the server refused, frame crashes and timeouts.  Its RPC
// inspector lists every call with params, result or error, and latency.
// It changes no decision: the sandbox, CSP and grants are production's.
import { el } from '/shell/ui.js';

const MAX_ITEMS = 200; // per list; older entries are dropped
const STATE_WAIT_MS = 25000; // one long poll of /api/v1/dev/state
const CSP_POLL_MS = 500;
const DEMO_USERS = [
  ['alice', 'admin'], ['bob', 'sales'], ['carol', 'viewer'],
];
const LOCALES = ['en-US', 'de-DE', 'fr-FR', 'ja-JP', 'ar-EG'];
const LOCALE_KEY = 'osp.dev.locale';
const OPEN_KEY = 'osp.dev.open';

const short = (v, n = 160) => {
  let s;
  try { s = JSON.stringify(v); } catch { s = String(v); }
  if (s === undefined) s = 'undefined';
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
};

const originOf = (uri) => {
  try { return new URL(uri).origin; } catch { return uri; }
};

// The plugin id from a frame URL /ext-ui/<id>/<digest>/<path>.
const pluginOfUri = (uri) => {
  const m = /\/ext-ui\/([^/]+)\//.exec(uri || '');
  return m ? m[1] : null;
};

// A CSP report (report-uri format) in plain words: what the plugin tried,
// and what to change.  Exported for tests.
export function cspAdvice(report) {
  const r = report['csp-report'] || report.body || report;
  const directive = (r['effective-directive'] || r.effectiveDirective || r['violated-directive'] || '').split(' ')[0];
  const blocked = r['blocked-uri'] || r.blockedURL || r.blockedURI || '';
  const plugin = pluginOfUri(r['document-uri'] || r.documentURL || '') || 'your plugin';
  const where = plugin === 'your plugin' ? 'Your plugin' : `${plugin}`;
  const inline = blocked === 'inline' || blocked === '';
  const origin = originOf(blocked);
  let what;
  let fix;
  switch (directive) {
    case 'connect-src':
      what = `${where} tried to connect to ${origin}`;
      fix = origin.startsWith('https://')
        ? `add "${origin}" to permissions.connect in osplugin.json`
        : 'only exact https:// origins can be allowed in permissions.connect';
      break;
    case 'img-src':
      what = `${where} tried to load an image from ${blocked.startsWith('data') ? 'a data: URL' : origin}`;
      fix = origin.startsWith('https://')
        ? `add "${origin}" to permissions.img in osplugin.json, or ship the image in the bundle`
        : 'ship the image in the plugin directory (it is packed with the plugin)';
      break;
    case 'script-src':
    case 'script-src-elem':
    case 'script-src-attr':
      if (blocked === 'eval' || blocked === 'wasm-eval') {
        what = `${where} used eval() or new Function()`;
        fix = 'plugins cannot evaluate strings as code; write it as ordinary functions';
      } else if (inline) {
        what = `${where} ran an inline script (a <script> without src, or an on…= attribute)`;
        fix = 'move the code into a .js file in the plugin directory and load it with <script src="…">; attach handlers with addEventListener';
      } else {
        what = `${where} tried to load a script from ${origin}`;
        fix = 'scripts must ship in the bundle: copy the file into the plugin directory and load it by a relative path';
      }
      break;
    case 'style-src':
    case 'style-src-elem':
    case 'style-src-attr':
      what = inline ? `${where} used an inline style that the policy blocks` : `${where} tried to load a stylesheet from ${origin}`;
      fix = 'put styles in a .css file in the plugin directory and link it by a relative path';
      break;
    case 'font-src':
      what = `${where} tried to load a font from ${origin}`;
      fix = 'fonts must ship in the bundle: copy the font file into the plugin directory';
      break;
    case 'frame-src':
    case 'child-src':
      what = `${where} tried to embed a frame (${origin})`;
      fix = 'plugins cannot embed frames; ask the host (ui.modal) or link out with ui.navigate';
      break;
    case 'form-action':
      what = `${where} tried to submit a form to ${origin || 'a URL'}`;
      fix = 'plugins cannot submit forms; handle submit in script (preventDefault) and use osp.data calls';
      break;
    case 'base-uri':
      what = `${where} used a <base> element`;
      fix = 'remove <base>; use relative paths';
      break;
    default:
      what = `${where} was blocked by its Content-Security-Policy (${directive || 'unknown directive'}${blocked ? `: ${blocked}` : ''})`;
      fix = 'everything a plugin loads must ship in its bundle or be declared in permissions';
  }
  return { plugin, directive, blocked, what, fix };
}

// A refused call in plain words.  Exported for tests.
export function callAdvice(entry, session) {
  const who = entry.plugin;
  if (entry.type === 'denied') {
    // The relay names both: "<method> needs the <permission> permission, …".
    const m = /^(\S+) needs the (\S+) permission/.exec(entry.message || '');
    if (entry.code === 'permission_denied' && m)
      return {
        what: `${who} called ${m[1]}, which needs the "${m[2]}" permission`,
        fix: `add "${m[2]}" to permissions.rpc in osplugin.json (in production an admin grants it when installing)`,
      };
    if (entry.code === 'method_not_found')
      return { what: `${who} called ${entry.method || 'a method'} that does not exist`, fix: 'see types/osp.d.ts for the methods the SDK offers' };
    if (entry.code === 'invalid_params')
      return { what: `${who} called ${entry.method} with invalid params: ${entry.message}`, fix: 'check the call against types/osp.d.ts' };
    if (entry.code === 'rate_limited')
      return { what: `${who} made too many calls (${entry.method})`, fix: 'batch calls, or wait for replies before sending more' };
    return { what: `${who}: ${entry.method || 'a message'} was refused: ${entry.message}`, fix: 'use the SDK (osp.*) rather than posting raw messages' };
  }
  // A call the relay let through and the server (or host) refused.
  if (entry.code === 'permission_denied' || entry.code === 'forbidden') {
    const u = session.user;
    return {
      what: `the server refused ${entry.method} for ${u.username} (${u.role}): ${entry.message}`,
      fix: 'the signed-in user may not do this (the plugin never gets more than its user); switch the role below to compare, and handle the error in the plugin',
    };
  }
  return { what: `${who}: ${entry.method} failed with ${entry.code}: ${entry.message}`, fix: 'handle the error in the plugin (err.code is stable)' };
}

// A crash or timeout in plain words.
function crashAdvice(entry) {
  if (/did not start/.test(entry.message))
    return 'the page never said hello: keep the SDK <script> tag exactly as osp sdk-tag prints it, and look for errors in the frame\'s console';
  if (/stopped responding/.test(entry.message))
    return 'the frame\'s main thread is blocked (a long loop?): split work up or move it to a worker';
  if (/navigated/.test(entry.message))
    return 'plugins must not navigate their frame (no location changes, no target=_self links); use ui.navigate';
  return 'reload the frame; if it keeps failing, check the frame\'s console';
}

export function start({ api, core, plugins, theme, session, schema, pluginOrigin, rerender }) {
  document.head.append(el('link', { rel: 'stylesheet', href: '/shell/dev.css' }));
  const savedLocale = sessionStorage.getItem(LOCALE_KEY);
  if (savedLocale) plugins.setLocale(savedLocale);

  const buildLine = el('span', { class: 'dev-build', 'data-dev-build': 'pending', text: 'Building…' });
  const problemList = el('ul', { class: 'dev-list', 'aria-label': 'Problems' });
  const callBody = el('tbody');
  const problemCount = el('span', { class: 'dev-count', text: '0' });
  const callCount = el('span', { class: 'dev-count', text: '0' });
  const select = (label, options, value, onchange) => el('label', { class: 'dev-switch' }, label,
    el('select', { onchange: (e) => onchange(e.target.value) },
      ...options.map(([v, text]) => el('option', { value: v, selected: v === value }, text))));
  const switches = el('div', { class: 'dev-switches' },
    select('Theme', [['light', 'light'], ['dark', 'dark']], theme.name, (v) => theme.set(v)),
    select('Locale', LOCALES.map((l) => [l, l]), savedLocale || navigator.language, (v) => {
      sessionStorage.setItem(LOCALE_KEY, v);
      plugins.setLocale(v);
    }),
    select('User', DEMO_USERS.map(([u, r]) => [u, `${u} (${r})`]), session.user.username, switchUser));
  const problemsTab = el('section', { class: 'dev-tab', 'data-dev-tab': 'problems' }, problemList);
  const callsTab = el('section', { class: 'dev-tab', 'data-dev-tab': 'calls', hidden: true },
    el('table', { class: 'dev-calls' },
      el('thead', {}, el('tr', {}, ...['method', 'params', 'result or error', 'ms'].map((h) => el('th', { scope: 'col', text: h })))),
      callBody));
  const tabButton = (name, label, count) => el('button', {
    type: 'button', class: 'dev-tab-button', 'data-dev-show': name,
    onclick: () => {
      problemsTab.hidden = name !== 'problems';
      callsTab.hidden = name !== 'calls';
      panel.querySelectorAll('[data-dev-show]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.devShow === name)));
    },
  }, label, ' ', count);
  const body = el('div', { class: 'dev-body' }, switches,
    el('div', { class: 'dev-tabs' }, tabButton('problems', 'Problems', problemCount), tabButton('calls', 'RPC inspector', callCount)),
    problemsTab, callsTab);
  const toggle = el('button', { type: 'button', class: 'dev-toggle', 'aria-expanded': 'true' }, 'Hide');
  const panel = el('aside', { id: 'osp-dev', class: 'dev-overlay', 'aria-label': 'Plugin diagnostics (osp dev)' },
    el('header', {}, el('strong', { text: 'osp dev' }), buildLine, toggle), body);
  toggle.addEventListener('click', () => setOpen(body.hidden));
  function setOpen(open) {
    body.hidden = !open;
    toggle.textContent = open ? 'Hide' : 'Show';
    toggle.setAttribute('aria-expanded', String(open));
    sessionStorage.setItem(OPEN_KEY, open ? '1' : '0');
  }
  document.body.append(panel);
  setOpen(sessionStorage.getItem(OPEN_KEY) !== '0');

  const trim = (list) => { while (list.children.length > MAX_ITEMS) list.lastElementChild.remove(); };
  function problem(kind, title, advice, extra = {}) {
    const li = el('li', { class: `dev-problem ${kind}`, 'data-kind': kind, ...extra },
      el('p', { class: 'dev-what', text: title }),
      advice ? el('p', { class: 'dev-fix', text: `→ ${advice}` }) : null);
    problemList.prepend(li);
    trim(problemList);
    problemCount.textContent = String(problemList.children.length);
    return li;
  }

  // ---- builds: long-poll the state, reload the plugin's frames ----------
  let generation = 0;
  let lastDigest = null;
  let navigated = false;
  async function pollState() {
    for (;;) {
      let state;
      try {
        state = await api.get(`/api/v1/dev/state?since=${generation}&wait=${STATE_WAIT_MS}`);
      } catch (err) {
        if (err.status === 401) return; // signed out: the shell shows the login
        buildLine.textContent = 'Dev server unreachable; retrying…';
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (state.stopping) { buildLine.textContent = 'osp dev stopped'; return; }
      if (state.generation === generation) continue;
      generation = state.generation;
      await applyState(state);
    }
  }

  async function applyState(state) {
    problemList.querySelectorAll('[data-kind="manifest"]').forEach((li) => li.remove());
    problemCount.textContent = String(problemList.children.length);
    const p = state.plugin;
    if (!state.ok) {
      buildLine.dataset.devBuild = 'failed';
      buildLine.textContent = `Build ${state.generation} failed: ${state.problems.length} problem${state.problems.length === 1 ? '' : 's'}; the last good build stays loaded`;
      for (const e of state.problems) {
        const at = `${e.file}${e.pointer ? `#${e.pointer}` : ''}`;
        problem('manifest', `${e.code}: ${at ? `${at}: ` : ''}${e.message}`, e.hint, { 'data-code': e.code });
      }
      return;
    }
    buildLine.dataset.devBuild = 'ok';
    buildLine.textContent = `Build ${state.generation} · ${p.id} ${p.version} · ${state.build_ms} ms`;
    if (p.digest === lastDigest) return;
    const first = lastDigest === null;
    lastDigest = p.digest;
    await reloadPlugin(p.id, first);
    document.body.dataset.devGeneration = String(state.generation);
  }

  // The new build replaces the old one in every frame showing it; each
  // frame gets a fresh document and a fresh handshake.
  async function reloadPlugin(id, first) {
    const loaded = plugins.plugins().find((x) => x.id === id);
    if (first && loaded && loaded.digest === lastDigest) {
      // The shell started with this very build: only find its page.
      navigated = true;
      const target = startPage(loaded);
      const here = location.hash.replace(/^#\/?/, '') || 'dashboard';
      if (target && here === 'dashboard' && target !== '#/dashboard') location.hash = target;
      return;
    }
    const installed = await api.get('/api/v1/installed');
    plugins.load(installed.plugins);
    for (const f of plugins.failures()) if (f.id === id) problem('crash', `${id} was refused: ${f.code}: ${f.message}`, null);
    const fresh = plugins.plugins().find((x) => x.id === id);
    if (!fresh) return;
    if (first && !navigated) {
      navigated = true;
      const target = startPage(fresh);
      const here = location.hash.replace(/^#\/?/, '') || 'dashboard';
      if (target && here === 'dashboard' && target !== '#/dashboard') {
        location.hash = target; // route() mounts the frames
        return;
      }
    }
    const frames = plugins.frames().filter((f) => f.plugin.id === id);
    if (!frames.length) { await rerender(); return; }
    for (const f of frames) {
      const c = fresh.contributions.find((k) => k.id === f.contribution.id && k.surface === f.contribution.surface);
      const d = c && core.frame(fresh.manifestText, fresh.digest, c.id, pluginOrigin, false);
      if (!c || !d.ok) { await rerender(); return; }
      f.plugin = fresh;
      f.contribution = c;
      f.description = d.frame;
      f.reload();
    }
  }

  // Where the plugin shows: the dashboard for a widget, its view, or the
  // list of an object with a field its renderer draws.
  function startPage(plugin) {
    const by = (surface) => plugin.contributions.find((c) => c.surface === surface);
    if (by('widgets')) return '#/dashboard';
    const view = by('views');
    if (view) return `#/${view.target}?view=${encodeURIComponent(`${plugin.id}/${view.id}`)}`;
    const field = by('fieldRenderers');
    if (field) {
      const obj = Object.entries(schema.objects).find(([, o]) => o.fields.some((fl) => fl.type === field.target));
      if (obj) return `#/${obj[0]}`;
    }
    return null;
  }

  // ---- CSP reports, from the server's ring --------------------------------
  let cspSeq = 0;
  async function pollCsp() {
    for (;;) {
      try {
        const r = await api.get(`/api/v1/dev/csp-reports?since=${cspSeq}`);
        for (const { seq, report } of r.reports) {
          cspSeq = Math.max(cspSeq, seq);
          const a = cspAdvice(report);
          problem('csp', a.what, a.fix, { 'data-directive': a.directive });
        }
        cspSeq = Math.max(cspSeq, r.latest);
      } catch (err) {
        if (err.status === 401) return;
      }
      await new Promise((res) => setTimeout(res, CSP_POLL_MS));
    }
  }

  // ---- calls, denials and crashes from the runtime ------------------------
  plugins.observe((entry) => {
    if (entry.type === 'call') {
      const ok = entry.ok;
      callBody.prepend(el('tr', { class: ok ? 'ok' : 'error', 'data-method': entry.method },
        el('td', {}, el('code', { text: entry.method })),
        el('td', { class: 'dev-json', text: short(entry.params) }),
        el('td', { class: 'dev-json', text: ok ? short(entry.result) : `${entry.code}: ${entry.message}` }),
        el('td', { class: 'dev-ms', text: entry.ms.toFixed(1) })));
      trim(callBody);
      callCount.textContent = String(callBody.children.length);
      if (!ok) {
        const a = callAdvice(entry, session);
        problem('refused', a.what, a.fix, { 'data-code': entry.code });
      }
    } else if (entry.type === 'denied') {
      const method = entry.method || (/^(\S+) needs the/.exec(entry.message || '') || [])[1] || '?';
      callBody.prepend(el('tr', { class: 'denied', 'data-method': method },
        el('td', {}, el('code', { text: method })),
        el('td', { class: 'dev-json', text: '(refused by the relay before the host saw it)' }),
        el('td', { class: 'dev-json', text: `${entry.code}: ${entry.message}` }),
        el('td', { class: 'dev-ms', text: '–' })));
      trim(callBody);
      callCount.textContent = String(callBody.children.length);
      const a = callAdvice(entry, session);
      problem('denied', a.what, a.fix, { 'data-code': entry.code });
    } else if (entry.type === 'crash') {
      problem('crash', `${entry.plugin}: ${entry.code}: ${entry.message}`, crashAdvice(entry), { 'data-code': entry.code });
    }
  });

  async function switchUser(username) {
    if (username === session.user.username) return;
    await api.signOut();
    await api.signIn(session.user.tenant, username, 'osp-demo');
    location.reload();
  }

  pollState();
  pollCsp();
  return panel;
}
