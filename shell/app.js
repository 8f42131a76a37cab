// The shell: signs the user in, loads the wasm core, verifies the
// installed plugins, and routes between pages (#/dashboard, #/<object>,
// #/<object>/<id>, #/<object>?view=<plugin>/<view>, and for admins
// #/plugins).
import { createApi } from '/shell/api.js';
import { loadCore } from '/shell/core.js';
import { createHost } from '/shell/host.js';
import { createPluginRuntime } from '/shell/plugins.js';
import { createModals, createTheme, createToasts, el, errorTile, skeleton } from '/shell/ui.js';
import { pluginsAdmin } from '/shell/admin.js';
import { dashboard, objectList, recordPage } from '/shell/views.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const userBox = document.getElementById('user');
const status = document.getElementById('core-status');
const toast = createToasts(document.getElementById('toasts'));
const modals = createModals(document.getElementById('modal-root'));
const theme = createTheme();

document.getElementById('theme-toggle').addEventListener('click', () => theme.toggle());

const api = createApi({ onSignedOut: () => showLogin('Your session ended; sign in again.') });

function showLogin(message) {
  document.body.dataset.ready = 'login';
  nav.replaceChildren();
  userBox.replaceChildren();
  const error = el('p', { class: 'form-status', role: 'alert', text: message || '' });
  const form = el('form', { class: 'login card', 'aria-labelledby': 'login-title' },
    el('h1', { id: 'login-title', text: 'Sign in' }),
    el('label', { for: 'tenant', text: 'Workspace' }),
    el('input', { id: 'tenant', name: 'tenant', value: 'default', autocomplete: 'organization', required: true }),
    el('label', { for: 'username', text: 'Username' }),
    el('input', { id: 'username', name: 'username', autocomplete: 'username', required: true }),
    el('label', { for: 'password', text: 'Password' }),
    el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    el('button', { class: 'button primary', type: 'submit' }, 'Sign in'),
    error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = form.elements;
    try {
      await api.signIn(f.tenant.value.trim(), f.username.value.trim(), f.password.value);
      start();
    } catch (err) {
      error.textContent = err.message;
      f.password.value = '';
      f.password.focus();
    }
  });
  main.replaceChildren(form);
  form.elements.username.focus();
}

// Pages subscribe to data changes and queue frame mounts until they are
// in the document (a frame needs to be attached to have a window).
function createPageContext(base) {
  let queue = [];
  let attached = false;
  const subs = [];
  return {
    ...base,
    mountLater: (fn) => { queue.push(fn); },
    flushMounts: () => {
      if (!attached) return;
      const q = queue;
      queue = [];
      q.forEach((fn) => fn());
    },
    onData: (object, fn) => subs.push({ object, fn }),
    attach() { attached = true; this.flushMounts(); },
    subscriptions: subs,
  };
}

async function start() {
  const session = await api.session();
  if (!session) { showLogin(); return; }
  main.replaceChildren(skeleton(3));
  let core;
  try {
    core = await loadCore();
  } catch (err) {
    status.textContent = 'The plugin core failed to load; plugins are disabled.';
    throw err;
  }
  const [schema, installed] = await Promise.all([api.get('/api/v1/schema'), api.get('/api/v1/installed')]);
  const host = createHost({ api, toast, navigate });
  const plugins = createPluginRuntime({ core, host, theme, modals, session, pluginOrigin: installed.plugin_origin });
  plugins.load(installed.plugins);
  function showStatus() {
    const n = plugins.plugins().length;
    const bad = plugins.failures().length;
    status.textContent = `${n} plugin${n === 1 ? '' : 's'} verified in wasm${bad ? ` · ${bad} refused` : ''}`;
  }
  // After the Plugins page changed an installation: verify and load again.
  async function reloadPlugins() {
    const now = await api.get('/api/v1/installed');
    plugins.load(now.plugins);
    showStatus();
  }
  const base = { api, schema, plugins, session, toast, modals, reloadPlugins };

  userBox.replaceChildren(
    el('span', { class: 'who', text: `${session.user.username} · ${session.user.role}` }),
    el('button', { class: 'button quiet', type: 'button', onclick: async () => { await api.signOut(); location.hash = ''; location.reload(); } }, 'Sign out'));
  nav.replaceChildren(
    el('a', { href: '#/dashboard', 'data-route': 'dashboard' }, 'Dashboard'),
    ...Object.entries(schema.objects).map(([name, o]) => el('a', { href: `#/${name}`, 'data-route': name }, o.label)),
    ...(session.user.role === 'admin' ? [el('a', { href: '#/plugins', 'data-route': 'plugins' }, 'Plugins')] : []));

  let page = null;
  let dataTimer = null;
  plugins.observe((entry) => {
    if (!page) return;
    // A plugin changed records: pages showing that object refresh (once).
    clearTimeout(dataTimer);
    dataTimer = setTimeout(() => page.subscriptions.filter((s) => s.object === entry.object).forEach((s) => s.fn()), 50);
  }, 'data');

  async function route() {
    const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
    const params = new URLSearchParams(query || '');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const name = parts[0] || 'dashboard';
    nav.querySelectorAll('a').forEach((a) => {
      if (a.dataset.route === name) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    });
    if (page) plugins.unmountWithin(main);
    modals.close();
    const ctx = createPageContext(base);
    page = ctx;
    let node;
    try {
      if (name === 'dashboard') node = dashboard(ctx);
      else if (name === 'plugins' && parts.length === 1) node = await pluginsAdmin(ctx);
      else if (schema.objects[name] && parts.length === 1) node = await objectList(ctx, name, params);
      else if (schema.objects[name] && parts.length === 2) node = await recordPage(ctx, name, parts[1]);
      else node = errorTile('Not found', 'not_found', `there is no page ${location.hash}`);
    } catch (err) {
      node = errorTile('This page did not load', err.code || 'internal', err.message);
    }
    if (page !== ctx) return; // the user moved on meanwhile
    main.replaceChildren(node);
    ctx.attach();
    const h1 = main.querySelector('h1');
    document.title = `${h1 ? h1.textContent : 'Acme CRM'} · Acme CRM`;
  }

  // ui.navigate: only the shell's own pages, never a URL.
  function navigate(to) {
    const parts = to.split('/').filter(Boolean);
    if (!parts.length || (parts[0] !== 'dashboard' && !schema.objects[parts[0]]) || parts.length > 2) return false;
    location.hash = `#/${parts.join('/')}`;
    return true;
  }

  window.onhashchange = route;
  // osp dev only: the diagnostics overlay and hot reload (shell/dev.js),
  // started before the first page mounts a frame, so that it hears every
  // call, denial and crash from the first (a plugin that calls as soon as
  // it is ready could otherwise be refused before anyone listened).
  if (installed.dev) {
    const dev = await import('/shell/dev.js');
    dev.start({ api, core, plugins, theme, session, schema, pluginOrigin: installed.plugin_origin, rerender: route });
  }
  await route();
  showStatus();
  document.body.dataset.ready = 'true';
}

start().catch((err) => {
  main.replaceChildren(errorTile('The app did not start', err.code || 'internal', err.message));
  throw err;
});
