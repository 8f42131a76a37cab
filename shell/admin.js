// The Plugins page (#/plugins), for workspace admins: what is installed
// and what it may do, what else the registry offers, and consent.  Every
// action is the tenant installations API (docs/operator-guide.md), so the
// server decides; this page only shows and asks.  Nothing here runs plugin
// code: names and permissions come from the registry and the server.
import { el, errorTile } from '/shell/ui.js';
import { pageHead } from '/shell/views.js';

const tenantPath = (tenant) => `/api/v1/tenants/${encodeURIComponent(tenant)}/installations`;

function badge(text, kind) {
  return el('span', { class: `badge ${kind || ''}`.trim(), text });
}

function chips(list, empty) {
  if (!list.length) return el('span', { class: 'muted', text: empty });
  return el('span', { class: 'chips' }, ...list.map((p) => el('code', { class: 'chip', text: p })));
}

// A dialog of what the plugin asks for, each permission in plain words with
// a box to grant it; onSave gets the chosen grants.
function consentDialog(modals, consent, { title, action, onSave }) {
  const boxes = consent.requested.map((p) => {
    const box = el('input', { type: 'checkbox', name: 'grant', value: p.permission });
    box.checked = p.granted;
    return el('label', { class: 'consent-row' }, box,
      el('span', {}, el('code', { text: p.permission }), el('span', { class: 'muted', text: ` ${p.means}` })));
  });
  const network = [...consent.connect.map((o) => `connect to ${o}`), ...consent.img.map((o) => `load images from ${o}`)];
  const status = el('p', { class: 'form-status', role: 'alert' });
  const save = el('button', { class: 'button primary', type: 'submit' }, action);
  const form = el('form', { class: 'consent' },
    el('p', {}, `${consent.name} ${consent.version} by ${consent.publisher} asks to:`),
    boxes.length ? el('div', { class: 'consent-list' }, ...boxes)
      : el('p', { class: 'muted', text: 'make no calls to the app (it only shows what it is given).' }),
    network.length ? el('p', { class: 'muted', text: `Its frame may also ${network.join(', ')} (its own CSP; not revocable here).` }) : null,
    el('p', { class: 'muted', text: 'Whatever you grant, the server still checks each call against the signed-in user\'s own permissions.' }),
    el('div', { class: 'form-actions' }, save), status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    const grants = [...form.querySelectorAll('input[name=grant]:checked')].map((b) => b.value);
    try {
      await onSave(grants);
      modals.close();
    } catch (err) {
      status.textContent = `${err.code}: ${err.message}`;
      save.disabled = false;
    }
  });
  modals.show(title, form, { label: title });
}

function confirmDialog(modals, title, text, action, onConfirm) {
  const yes = el('button', { class: 'button danger', type: 'button', 'data-action': 'confirm',
    onclick: () => { modals.close(); onConfirm(); } }, action);
  const no = el('button', { class: 'button quiet', type: 'button', onclick: () => modals.close() }, 'Cancel');
  modals.show(title, el('div', { class: 'consent' }, el('p', { text }), el('div', { class: 'form-actions' }, yes, no)));
}

export async function pluginsAdmin(ctx) {
  const { api, session, toast, modals, reloadPlugins } = ctx;
  const tenant = session.user.tenant;
  const page = el('section', { class: 'page admin', 'aria-labelledby': 'page-title' },
    pageHead('Plugins', 'Third-party code in this workspace and what it may do. Each plugin runs sandboxed and can only make the calls granted here; the server checks every call against the user\'s own permissions as well.'));
  if (session.user.role !== 'admin') {
    page.append(errorTile('Only workspace admins manage plugins', 'forbidden', `${session.user.username} is a ${session.user.role}`));
    return page;
  }
  const installedList = el('div', { class: 'admin-list', id: 'installed', 'aria-live': 'polite' });
  const availableList = el('div', { class: 'admin-list', id: 'available' });
  page.append(el('h2', { class: 'section', text: 'Installed' }), installedList,
    el('h2', { class: 'section', text: 'Available in the registry' }), availableList);

  // After a change: the runtime reloads what is installed, the page redraws.
  async function changed(message) {
    toast(message, { kind: 'success' });
    await reloadPlugins();
    await draw();
  }
  async function act(fn, message) {
    try {
      await fn();
      await changed(message);
    } catch (err) {
      toast(`${err.code}: ${err.message}`, { kind: 'error' });
    }
  }
  async function consent(id, version, title, action, onSave) {
    const q = version ? `?version=${encodeURIComponent(version)}` : '';
    try {
      const c = await api.get(`${tenantPath(tenant)}/${encodeURIComponent(id)}/consent${q}`);
      consentDialog(modals, c, { title, action, onSave });
    } catch (err) {
      toast(`${err.code}: ${err.message}`, { kind: 'error' });
    }
  }

  function installedCard(inst, entry) {
    const id = inst.plugin;
    const latest = entry && entry.latest ? entry.latest.version : null;
    const update = latest && latest !== inst.version ? latest : null;
    const path = `${tenantPath(tenant)}/${encodeURIComponent(id)}`;
    const state = inst.revoked ? badge('revoked', 'danger') : inst.enabled ? badge('enabled', 'ok') : badge('disabled');
    return el('article', { class: 'card admin-card', 'data-installed': id },
      el('header', {}, el('h2', {}, entry ? entry.name : id, el('span', { class: 'muted', text: ` ${inst.version}` })), state),
      el('div', { class: 'body' },
        el('p', { class: 'by', text: `${id} · by ${entry ? entry.publisher : '?'}` }),
        el('p', {}, 'May: ', chips(inst.grants, 'nothing beyond what it is shown')),
        inst.pending.length ? el('p', { class: 'pending' }, 'Asks for, not granted: ', chips(inst.pending, '')) : null,
        el('div', { class: 'form-actions' },
          el('button', { class: 'button', type: 'button', 'data-action': 'permissions',
            onclick: () => consent(id, null, `Permissions of ${entry ? entry.name : id}`, 'Save',
              (grants) => api.patch(path, { grants }).then(() => changed(`Permissions of ${id} saved`))) }, 'Permissions…'),
          el('button', { class: 'button', type: 'button', 'data-action': inst.enabled ? 'disable' : 'enable',
            onclick: () => act(() => api.patch(path, { enabled: !inst.enabled }), `${id} ${inst.enabled ? 'disabled' : 'enabled'}`) },
          inst.enabled ? 'Disable' : 'Enable'),
          update ? el('button', { class: 'button', type: 'button', 'data-action': 'update',
            onclick: () => act(() => api.put(path, { version: update }), `${id} updated to ${update}; new permissions stay off until granted`) },
          `Update to ${update}`) : null,
          el('button', { class: 'button danger', type: 'button', 'data-action': 'uninstall',
            onclick: () => confirmDialog(modals, `Uninstall ${entry ? entry.name : id}?`,
              'Its frames go away for everyone in this workspace. What it stored stays on the server, and installing it again brings it back.',
              'Uninstall', () => act(() => api.del(path), `${id} uninstalled`)) },
          'Uninstall'))));
  }

  function availableCard(entry) {
    const id = entry.id;
    const path = `${tenantPath(tenant)}/${encodeURIComponent(id)}`;
    return el('article', { class: 'card admin-card', 'data-available': id },
      el('header', {}, el('h2', {}, entry.name, el('span', { class: 'muted', text: ` ${entry.latest.version}` }))),
      el('div', { class: 'body' },
        el('p', { class: 'by', text: `${id} · by ${entry.publisher}` }),
        entry.description ? el('p', { text: entry.description }) : null,
        el('div', { class: 'form-actions' },
          el('button', { class: 'button primary', type: 'button', 'data-action': 'install',
            onclick: () => consent(id, entry.latest.version, `Install ${entry.name}`, 'Install',
              (grants) => api.put(path, { version: entry.latest.version, grants }).then(() => changed(`${id} installed`))) },
          'Install…'))));
  }

  async function draw() {
    let installed, registry;
    try {
      [installed, registry] = await Promise.all([api.get(tenantPath(tenant)), api.get('/api/v1/plugins')]);
    } catch (err) {
      installedList.replaceChildren(errorTile('Plugins did not load', err.code || 'internal', err.message));
      availableList.replaceChildren();
      return;
    }
    const byId = new Map(registry.plugins.map((p) => [p.id, p]));
    const have = new Set(installed.installations.map((i) => i.plugin));
    installedList.replaceChildren(...installed.installations.map((i) => installedCard(i, byId.get(i.plugin))));
    if (!installed.installations.length) installedList.append(el('p', { class: 'muted empty', text: 'Nothing is installed in this workspace.' }));
    const rest = registry.plugins.filter((p) => !have.has(p.id) && p.latest);
    availableList.replaceChildren(...rest.map(availableCard));
    if (!rest.length) availableList.append(el('p', { class: 'muted empty', text: 'Every published plugin is installed.' }));
  }
  await draw();
  return page;
}
