// @@TITLE@@: a view of an object's records (the object comes in the
// context; osplugin.json says which one).
const list = document.getElementById('records');

function item(text, className) {
  const li = document.createElement('li');
  li.textContent = text;
  if (className) li.className = className;
  return li;
}

async function main() {
  await osp.ready();
  const ctx = osp.context.current();
  try {
    // Needs "data.read:deal" in permissions.rpc.
    const { records } = await osp.data.query({ object: ctx.object, limit: 50 });
    list.replaceChildren(...records.map((r) => item(r.name || r.title || r.id)));
    if (!records.length) list.replaceChildren(item('Nothing here yet.', 'muted'));
  } catch (err) {
    list.replaceChildren(item(`${err.code}: ${err.message}`, 'error'));
  }
}

main();
