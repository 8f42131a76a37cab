// A custom view for deals: one column per stage.  Reads and writes go
// through the host (data.query, data.update); the "show closed" switch is
// kept with localStorage, which the SDK backs with the host's per-user
// plugin storage (this frame's own origin is opaque and has none).
const STAGES = ['lead', 'qualified', 'proposal', 'won', 'lost'];
const CLOSED = new Set(['won', 'lost']);
const board = document.getElementById('board');
const total = document.getElementById('total');
const showClosed = document.getElementById('show-closed');
let deals = [];

const money = (n) => (typeof n === 'number'
  ? n.toLocaleString(osp.context.current().locale, { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 })
  : '');

function button(label, title, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.title = title;
  b.setAttribute('aria-label', title);
  b.addEventListener('click', onClick);
  return b;
}

function card(deal) {
  const a = document.createElement('article');
  a.className = 'deal';
  a.dataset.id = deal.id;
  const title = button(deal.title, `Open ${deal.title}`, () => osp.ui.navigate(`deal/${deal.id}`));
  title.className = 'title';
  title.textContent = deal.title;
  const amount = document.createElement('div');
  amount.className = 'amount';
  amount.textContent = money(deal.amount);
  const moves = document.createElement('div');
  moves.className = 'moves';
  const i = STAGES.indexOf(deal.stage);
  if (i > 0) moves.append(button('◀', `Move ${deal.title} back to ${STAGES[i - 1]}`, () => move(deal, STAGES[i - 1])));
  else moves.append(document.createElement('span'));
  if (i >= 0 && i < STAGES.length - 1)
    moves.append(button('▶', `Move ${deal.title} to ${STAGES[i + 1]}`, () => move(deal, STAGES[i + 1])));
  a.append(title, amount, moves);
  return a;
}

function render() {
  const stages = STAGES.filter((s) => showClosed.checked || !CLOSED.has(s));
  board.replaceChildren(...stages.map((stage) => {
    const col = document.createElement('section');
    col.className = 'column';
    col.dataset.stage = stage;
    const here = deals.filter((d) => d.stage === stage);
    const h = document.createElement('h2');
    h.append(stage, Object.assign(document.createElement('span'), { textContent: String(here.length) }));
    col.append(h, ...here.map(card));
    return col;
  }));
  total.textContent = `${deals.length} deals · ${money(deals.reduce((s, d) => s + (d.amount || 0), 0))}`;
}

async function move(deal, stage) {
  try {
    const updated = await osp.data.update({ object: 'deal', id: deal.id, values: { stage } });
    deals = deals.map((d) => (d.id === deal.id ? updated : d));
    render();
    osp.ui.toast(`${deal.title} moved to ${stage}`, 'success');
  } catch (err) {
    osp.ui.toast(`Could not move ${deal.title}: ${err.message}`, 'error');
  }
}

showClosed.addEventListener('change', () => {
  localStorage.setItem('showClosed', showClosed.checked ? 'yes' : 'no');
  render();
});

async function main() {
  await osp.ready();
  showClosed.checked = localStorage.getItem('showClosed') === 'yes';
  try {
    ({ records: deals } = await osp.data.query({ object: 'deal', sort: 'title', limit: 100 }));
    render();
  } catch (err) {
    board.replaceChildren(Object.assign(document.createElement('p'), { className: 'error', textContent: `${err.code}: ${err.message}` }));
  }
}

main();
