// A field renderer: the host passes the record, field and value in the
// context; an editable rating becomes five buttons that save through
// data.update (the server decides whether this user may).
const root = document.getElementById('stars');
let ctx = null;

function render(value, editable) {
  const n = typeof value === 'number' ? Math.max(0, Math.min(5, Math.round(value))) : 0;
  root.setAttribute('role', editable ? 'group' : 'img');
  root.setAttribute('aria-label', value == null ? 'No rating' : `Rated ${n} of 5`);
  root.dataset.value = String(n);
  const stars = [];
  for (let i = 1; i <= 5; i++) {
    const star = document.createElement(editable ? 'button' : 'span');
    star.className = i <= n ? 'star on' : 'star';
    star.textContent = i <= n ? '★' : '☆';
    if (editable) {
      star.type = 'button';
      star.setAttribute('aria-label', `Rate ${i} of 5`);
      star.setAttribute('aria-pressed', String(i === n));
      star.addEventListener('click', () => save(i));
    } else {
      star.setAttribute('aria-hidden', 'true');
    }
    stars.push(star);
  }
  root.replaceChildren(...stars);
}

async function save(n) {
  root.classList.add('saving');
  try {
    const record = await osp.data.update({ object: ctx.object, id: ctx.record, values: { [ctx.field]: n } });
    render(record[ctx.field], ctx.editable);
  } catch (err) {
    const e = document.createElement('span');
    e.className = 'error';
    e.textContent = err.code;
    e.title = err.message;
    root.append(e);
  } finally {
    root.classList.remove('saving');
  }
}

function update(c) {
  ctx = c;
  render(c.value, c.editable && c.grants.includes(`data.write:${c.object}`));
}

// The first context may come before this script runs; later ones (the
// host's value changed) arrive as events.
osp.on('context', update);
osp.ready().then(() => update(osp.context.current()));
