// @@TITLE@@: a field renderer.  The host passes the object, record, field
// and value in the context, and sends a new context when the value changes.
const root = document.getElementById('value');

function render(ctx) {
  const n = typeof ctx.value === 'number' ? Math.max(0, Math.min(5, Math.round(ctx.value))) : 0;
  root.textContent = ctx.value == null ? '–' : '●'.repeat(n) + '○'.repeat(5 - n);
  root.setAttribute('aria-label', ctx.value == null ? 'No value' : `${n} of 5`);
  root.dataset.value = String(n);
}

osp.on('context', render);
osp.ready().then(() => render(osp.context.current()));
