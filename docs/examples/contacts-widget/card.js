// Contact cards: all contacts as a view, or one contact when opened as a
// modal by the widget (context.modal.id).
const root = document.getElementById('cards');

function text(tag, value, className) {
  const e = document.createElement(tag);
  e.textContent = value == null ? '' : String(value);
  if (className) e.className = className;
  return e;
}

function card(c) {
  const a = document.createElement('article');
  a.className = 'card';
  a.dataset.id = c.id;
  a.append(text('h2', c.name), text('p', c.company, 'muted'));
  if (c.email) a.append(text('p', c.email));
  if (c.phone) a.append(text('p', c.phone));
  if (typeof c.rating === 'number') a.append(text('p', '★'.repeat(c.rating) + '☆'.repeat(5 - c.rating), 'stars'));
  return a;
}

async function main() {
  await osp.ready();
  const ctx = osp.context.current();
  try {
    if (ctx.modal && ctx.modal.id) {
      const contact = await osp.data.get({ object: 'contact', id: String(ctx.modal.id) });
      const close = text('button', 'Close');
      close.type = 'button';
      close.className = 'close';
      close.addEventListener('click', () => osp.ui.close());
      root.replaceChildren(card(contact), close);
      close.focus();
    } else {
      const { records } = await osp.data.query({ object: 'contact', sort: 'name', limit: 100 });
      root.replaceChildren(...records.map(card));
    }
  } catch (err) {
    root.replaceChildren(text('p', `${err.code}: ${err.message}`, 'error'));
  }
}

main();
