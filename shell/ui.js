// Small DOM helpers the shell's views share: element building, toasts,
// the modal host, loading skeletons and error tiles, and the theme.
// Nothing here knows about plugins beyond showing who said what.

export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return e;
}

export function skeleton(lines = 2, extraClass = '') {
  return el('div', { class: `skeleton ${extraClass}`.trim(), 'aria-hidden': 'true' },
    ...Array.from({ length: lines }, (_, i) => el('div', { class: i % 2 ? 'bar short' : 'bar' })));
}

// A tile saying why something did not load; data-plugin-error carries the
// stable code so tests and people can tell failures apart.
export function errorTile(title, code, message, action) {
  return el('article', { class: 'card error', 'data-plugin-error': code, role: 'alert' },
    el('header', {}, el('h2', { text: title })),
    el('div', { class: 'body' },
      el('p', {}, 'Not loaded: ', el('code', { text: code }), ` — ${message}`),
      action));
}

export function createToasts(root) {
  return function toast(message, { from, kind = 'info' } = {}) {
    const t = el('div', { class: `toast ${kind}`, role: 'status' },
      from ? el('span', { class: 'from', text: from }) : null, message);
    root.append(t);
    setTimeout(() => t.remove(), 5000);
  };
}

// One modal at a time, rendered by the host.  close() restores focus to
// whatever had it before, as a dialog should.
export function createModals(root) {
  let open = null;
  let closing = null;
  // A closed modal is hidden at once and removed a moment later: a plugin
  // frame that asked to close (on a key or a click) must outlive the input
  // event it is still handling, or Chromium loses that event's ack.
  function finish() {
    if (!closing) return;
    const { node, onClose, timer } = closing;
    closing = null;
    clearTimeout(timer);
    node.remove();
    if (onClose) onClose();
  }
  function close() {
    if (!open) return;
    const { node, restore, onClose } = open;
    open = null;
    root.hidden = true;
    closing = { node, onClose, timer: setTimeout(finish, 200) };
    if (restore && restore.isConnected) restore.focus();
  }
  function show(title, body, { onClose, label } = {}) {
    close();
    finish();
    const closeButton = el('button', { class: 'icon', type: 'button', 'aria-label': 'Close', onclick: close }, '×');
    const node = el('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': label || title },
      el('header', {}, el('h2', { text: title }), closeButton), body);
    open = { node, restore: document.activeElement, onClose };
    root.replaceChildren(node);
    root.hidden = false;
    closeButton.focus();
    return node;
  }
  root.addEventListener('click', (e) => { if (e.target === root) close(); });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && open) close(); });
  return { show, close, isOpen: () => open !== null };
}

// Theme: light or dark, remembered on this device.  The tokens are the
// --osp-* custom properties of the current theme, which plugins receive
// so they can look native.
const THEME_KEY = 'osp-shell-theme';

export function createTheme() {
  const listeners = new Set();
  const media = matchMedia('(prefers-color-scheme: dark)');
  let name = localStorage.getItem(THEME_KEY) || (media.matches ? 'dark' : 'light');
  function apply() {
    document.documentElement.dataset.theme = name;
  }
  function tokens() {
    const style = getComputedStyle(document.documentElement);
    const out = {};
    for (const prop of TOKEN_NAMES) out[prop] = style.getPropertyValue(prop).trim();
    return out;
  }
  apply();
  return {
    get name() { return name; },
    current: () => ({ name, tokens: tokens() }),
    set(next) {
      if (next !== 'light' && next !== 'dark' || next === name) return;
      name = next;
      localStorage.setItem(THEME_KEY, name);
      apply();
      const t = { name, tokens: tokens() };
      listeners.forEach((fn) => fn(t));
    },
    toggle() { this.set(name === 'dark' ? 'light' : 'dark'); },
    onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); },
  };
}

// The tokens plugins get; shell.css defines each for both themes.
export const TOKEN_NAMES = [
  '--osp-bg', '--osp-surface', '--osp-text', '--osp-muted', '--osp-border', '--osp-accent',
  '--osp-accent-text', '--osp-danger', '--osp-success', '--osp-radius', '--osp-font',
  '--osp-font-size', '--osp-space',
];
