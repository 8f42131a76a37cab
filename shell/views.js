// The shell's pages: the dashboard (plugin widgets), object lists and
// record forms (with plugin field renderers) and object pages with
// plugin views.  Host data comes from the server under the user's own
// rights (no X-OSP-Plugin header); plugins get theirs through RPC.
import { el, errorTile, skeleton } from '/shell/ui.js';

const formatters = {
  number: (v) => (typeof v === 'number' ? v.toLocaleString() : ''),
  boolean: (v) => (v ? 'Yes' : 'No'),
  rating: (v) => (typeof v === 'number' ? `${v} / 5` : ''),
};
const show = (field, v) => (v === undefined || v === null ? '' : (formatters[field.type] || String)(v));

export function pageHead(title, subtitle, ...actions) {
  return el('div', { class: 'page-head' },
    el('div', {}, el('h1', { id: 'page-title', text: title }), subtitle ? el('p', { class: 'muted', text: subtitle }) : null),
    el('div', { class: 'actions' }, ...actions));
}

function cardFor(plugin, contribution, frame) {
  return el('article', { class: 'card plugin-card', 'data-card': `${plugin.id}/${contribution.id}` },
    el('header', {},
      el('h2', { text: contribution.title || contribution.id }),
      el('span', { class: 'by', text: `${plugin.name} · ${plugin.publisher}` })),
    frame);
}

export function dashboard(ctx) {
  const { plugins, session } = ctx;
  const grid = el('div', { class: 'grid', id: 'widgets', 'aria-live': 'polite' });
  const page = el('section', { class: 'page', 'aria-labelledby': 'page-title' },
    pageHead('Dashboard', `Welcome back, ${session.user.username}. Widgets below are third-party plugins, ` +
      'each in its own sandboxed frame, reaching data only through the host within what it was granted.'),
    grid);
  const widgets = plugins.contributions('widgets');
  for (const { plugin, contribution } of widgets) {
    const slot = el('div', { class: 'slot' });
    grid.append(cardFor(plugin, contribution, slot));
    ctx.mountLater(() => plugins.mount(slot, plugin, contribution, {}));
  }
  for (const f of plugins.failures())
    grid.append(errorTile(f.id, f.code, f.message));
  if (!widgets.length && !plugins.failures().length)
    grid.append(el('p', { class: 'muted empty' }, 'No widgets are installed for this workspace.'));
  return page;
}

// The renderer plugin for a field type, if one is installed.
function rendererFor(plugins, field) {
  return plugins.contributions('fieldRenderers', field.type)[0] || null;
}

function rendererContext(name, field, record, mode, editable) {
  return {
    object: name, record: record.id, field: field.name, fieldType: field.type,
    value: record[field.name] === undefined ? null : record[field.name], editable, mode,
  };
}

// A cell showing one field: the renderer plugin's frame if there is one
// (onFrame gets it once mounted), the formatted value otherwise.
function fieldCell(ctx, name, object, field, record, mode, editable, onFrame) {
  const r = rendererFor(ctx.plugins, field);
  if (!r) return document.createTextNode(show(field, record[field.name]));
  const slot = el('div', { class: `field-slot ${mode}` });
  ctx.mountLater(() => {
    const frame = ctx.plugins.mount(slot, r.plugin, r.contribution, rendererContext(name, field, record, mode, editable));
    if (onFrame) onFrame(frame);
  });
  return slot;
}

export async function objectList(ctx, name, params) {
  const { api, schema, plugins } = ctx;
  const object = schema.objects[name];
  const views = plugins.contributions('views', name);
  const current = params.get('view');
  const tabs = el('nav', { class: 'tabs', 'aria-label': `${object.label} views` },
    el('a', { href: `#/${name}`, 'aria-current': current ? null : 'page' }, 'Table'),
    ...views.map(({ plugin, contribution }) => {
      const key = `${plugin.id}/${contribution.id}`;
      return el('a', { href: `#/${name}?view=${encodeURIComponent(key)}`, 'aria-current': current === key ? 'page' : null,
        'data-view': key }, contribution.title || contribution.id);
    }));
  const newButton = object.ops.includes('c')
    ? el('a', { class: 'button primary', href: `#/${name}/new` }, `New ${name}`) : null;
  const body = el('div', { class: 'object-body' }, skeleton(3, 'table-skeleton'));
  const page = el('section', { class: 'page' }, pageHead(object.label, null, newButton), tabs, body);

  if (current) {
    const view = views.find(({ plugin, contribution }) => `${plugin.id}/${contribution.id}` === current);
    body.replaceChildren(view
      ? cardFor(view.plugin, view.contribution, el('div', { class: 'slot' }))
      : errorTile(current, 'not_found', 'no installed plugin provides this view'));
    if (view) ctx.mountLater(() => plugins.mount(body.querySelector('.slot'), view.plugin, view.contribution, { object: name }));
    return page;
  }

  const render = async () => {
    const { records, total } = await api.get(`/api/v1/data/${name}?limit=100`);
    const fields = object.fields;
    const table = el('table', { class: 'records', 'data-object': name },
      el('thead', {}, el('tr', {}, ...fields.map((f) => el('th', { scope: 'col', text: f.label })))),
      el('tbody', {}, ...records.map((r) => el('tr', { 'data-id': r.id },
        ...fields.map((f, i) => el('td', { 'data-field': f.name },
          i === 0 ? el('a', { href: `#/${name}/${encodeURIComponent(r.id)}` }, show(f, r[f.name]) || r.id)
            : fieldCell(ctx, name, object, f, r, 'list', false)))))));
    ctx.plugins.unmountWithin(body);
    body.replaceChildren(records.length ? table : el('p', { class: 'muted empty' }, `No ${object.label.toLowerCase()} yet.`),
      el('p', { class: 'muted count', text: `${records.length} of ${total}` }));
    ctx.flushMounts();
  };
  await render();
  ctx.onData(name, render);
  return page;
}

function input(field, value, disabled) {
  const common = { id: `f-${field.name}`, name: field.name, disabled: disabled || null, required: field.required || null };
  if (field.type === 'enum')
    return el('select', common, ...field.options.map((o) => el('option', { value: o, selected: o === value || null }, o)));
  if (field.type === 'boolean') return el('input', { ...common, type: 'checkbox', checked: value ? true : null });
  const type = { number: 'number', email: 'email', date: 'date', rating: 'number' }[field.type] || 'text';
  const attrs = { ...common, type, value: value === undefined || value === null ? '' : String(value) };
  if (field.type === 'rating') Object.assign(attrs, { min: '0', max: '5', step: '1' });
  return el('input', attrs);
}

function readForm(form, fields) {
  const values = {};
  for (const f of fields) {
    const e = form.elements.namedItem(f.name);
    if (!e || e.disabled) continue;
    if (f.type === 'boolean') values[f.name] = e.checked;
    else if (f.type === 'number' || f.type === 'rating') { if (e.value !== '') values[f.name] = Number(e.value); }
    else if (e.value !== '' || !f.required) values[f.name] = e.value;
  }
  return values;
}

export async function recordPage(ctx, name, id) {
  const { api, schema, toast } = ctx;
  const object = schema.objects[name];
  const isNew = id === 'new';
  const status = el('p', { class: 'form-status', role: 'status' });
  const form = el('form', { class: 'record-form', 'data-object': name, novalidate: true });
  const page = el('section', { class: 'page' },
    pageHead(isNew ? `New ${name}` : object.label, null, el('a', { class: 'button', href: `#/${name}` }, 'Back')),
    form, status);
  const canEdit = object.ops.includes(isNew ? 'c' : 'u');

  const renderers = new Map(); // field name -> its renderer frame
  let shown = false;
  const render = async () => {
    const record = isNew ? {} : await api.get(`/api/v1/data/${name}/${encodeURIComponent(id)}`);
    if (!isNew) page.querySelector('h1').textContent = record[object.fields[0].name] || record.id;
    if (shown) {
      // Someone (a renderer, say) changed the record: update in place,
      // so frames keep their state and a field being typed in is kept.
      for (const f of object.fields) {
        const frame = renderers.get(f.name);
        if (frame) frame.setContext(rendererContext(name, f, record, 'form', frame.extra.editable));
        const e = form.elements.namedItem(f.name);
        if (!e || e === document.activeElement) continue;
        if (f.type === 'boolean') e.checked = Boolean(record[f.name]);
        else e.value = record[f.name] === undefined || record[f.name] === null ? '' : String(record[f.name]);
      }
      return;
    }
    const rows = object.fields.map((f) => {
      const editable = canEdit && f.editable;
      const hasRenderer = !isNew && rendererFor(ctx.plugins, f);
      return el('div', { class: 'form-row' },
        el('label', { for: hasRenderer ? null : `f-${f.name}`, text: f.label }),
        hasRenderer ? fieldCell(ctx, name, object, f, record, 'form', editable, (fr) => renderers.set(f.name, fr))
          : input(f, record[f.name], !editable));
    });
    const buttons = el('div', { class: 'form-actions' },
      canEdit ? el('button', { class: 'button primary', type: 'submit' }, isNew ? 'Create' : 'Save') : null,
      !isNew && object.ops.includes('d') ? el('button', { class: 'button danger', type: 'button', onclick: remove }, 'Delete') : null);
    form.replaceChildren(...rows, buttons);
    shown = true;
    ctx.flushMounts();
  };

  async function remove() {
    try {
      await api.del(`/api/v1/data/${name}/${encodeURIComponent(id)}`);
      toast(`Deleted ${name} ${id}`, { kind: 'success' });
      location.hash = `#/${name}`;
    } catch (err) {
      status.textContent = `${err.code}: ${err.message}`;
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const values = readForm(form, object.fields);
    try {
      const out = isNew ? await api.post(`/api/v1/data/${name}`, { values })
        : await api.patch(`/api/v1/data/${name}/${encodeURIComponent(id)}`, { values });
      toast(isNew ? `Created ${name}` : 'Saved', { kind: 'success' });
      if (isNew) location.hash = `#/${name}/${encodeURIComponent(out.id)}`;
      else status.textContent = '';
    } catch (err) {
      status.textContent = `${err.code}: ${err.message}`;
    }
  });

  try {
    await render();
  } catch (err) {
    form.replaceChildren(errorTile(`${name} ${id}`, err.code || 'internal', err.message));
    return page;
  }
  if (!isNew) ctx.onData(name, render);
  return page;
}
