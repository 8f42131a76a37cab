// A sample widget: everything it knows comes over RPC through the host.
const list = document.getElementById('contacts');
const dealsButton = document.getElementById('deals');
const dealsResult = document.getElementById('deals-result');

function row(contact) {
  const li = document.createElement('li');
  const name = document.createElement('button');
  name.type = 'button';
  name.className = 'link name';
  name.textContent = contact.name;
  name.title = `Open ${contact.name}'s card`;
  // The card opens in a host-rendered modal, in another frame of this plugin.
  name.addEventListener('click', () => osp.ui.modal('card', { id: contact.id }));
  const company = document.createElement('span');
  company.className = 'company';
  company.textContent = contact.company || '';
  li.append(name, company);
  return li;
}

async function main() {
  await osp.ready();
  try {
    const { records } = await osp.data.query({ object: 'contact', sort: 'name' });
    list.replaceChildren(...records.map(row));
  } catch (err) {
    const li = document.createElement('li');
    li.className = 'error';
    li.textContent = `Could not load contacts: ${err.code}`;
    list.replaceChildren(li);
  }
}

// This plugin asked for contacts only, so the relay refuses deals.
dealsButton.addEventListener('click', async () => {
  try {
    await osp.data.query({ object: 'deal' });
    dealsResult.textContent = 'deals loaded (unexpected!)';
  } catch (err) {
    dealsResult.className = 'error';
    dealsResult.textContent = `${err.code}: ${err.message}`;
  }
});

main();
