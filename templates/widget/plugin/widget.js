// @@TITLE@@: a dashboard widget.  Everything it knows comes from the host
// through the plugin SDK (the global `osp`): the context (who is signed in,
// theme, locale) and data calls, each checked against the permissions in
// osplugin.json.
const greeting = document.getElementById('greeting');
const summary = document.getElementById('summary');

function greet(ctx) {
  greeting.textContent = `Hello, ${ctx.user.username}!`;
}

async function main() {
  await osp.ready();
  greet(osp.context.current());
  // Context changes (another user, theme or locale) arrive as events.
  osp.on('context', greet);
  try {
    // Needs "data.read:contact" in permissions.rpc.
    const { total } = await osp.data.query({ object: 'contact', limit: 1 });
    summary.textContent = `You have ${total} contacts.`;
  } catch (err) {
    summary.textContent = `${err.code}: ${err.message}`;
    summary.className = 'error';
  }
}

document.getElementById('hello').addEventListener('click', () => {
  // Needs "ui.toast".
  osp.ui.toast('Hello from @@TITLE@@', 'success');
});

main();
