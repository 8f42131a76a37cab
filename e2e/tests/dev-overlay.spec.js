// osp dev's overlay explains failures in plain words: a CSP violation with
// the permission to add, a call the relay denied with the missing grant,
// a manifest problem from a broken save (the server keeps running), and
// the RPC inspector lists calls with their latency.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '../support/test.js';
import { run } from '../support/osp.js';
import { signInDev, startDev } from '../support/dev.js';

let work;
let dev;

test.beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'osp-dev-overlay-'));
  run(['new', 'probe', '--template', 'widget'], {}, work);
  // The widget reaches for a server it did not declare and for deals it
  // was not granted (the manifest asks for contacts only).
  const js = join(work, 'probe/plugin/widget.js');
  writeFileSync(js, `${readFileSync(js, 'utf8')}
fetch('https://api.example.com/v1/stats').catch(() => {});
osp.ready().then(() => osp.data.query({ object: 'deal', limit: 1 })).catch((err) => {
  document.getElementById('summary').dataset.denied = err.code;
});
const showContext = (c) => { document.body.dataset.locale = c.locale; document.body.dataset.theme = c.theme.name; };
osp.ready().then(() => showContext(osp.context.current()));
osp.on('context', showContext);
osp.on('theme', (t) => { document.body.dataset.theme = t.name; });
`);
  dev = await startDev(join(work, 'probe'));
});

test.afterAll(async () => {
  if (dev) await dev.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a CSP violation and a denied call appear with the right advice', async ({ page }) => {
  await signInDev(page, dev.url);
  const overlay = page.locator('#osp-dev');
  const csp = overlay.locator('.dev-problem[data-kind="csp"]').first();
  await expect(csp).toContainText('acme.probe tried to connect to https://api.example.com');
  await expect(csp).toContainText('add "https://api.example.com" to permissions.connect');
  const denied = overlay.locator('.dev-problem[data-kind="denied"]').first();
  await expect(denied).toContainText('acme.probe called data.query, which needs the "data.read:deal" permission');
  await expect(denied).toContainText('add "data.read:deal" to permissions.rpc');

  // The inspector lists the granted call with its result and latency.
  await overlay.getByRole('button', { name: /RPC inspector/ }).click();
  const row = overlay.locator('tr[data-method="data.query"].ok').first();
  await expect(row).toContainText('"object":"contact"');
  await expect(row.locator('.dev-ms')).toHaveText(/^\d+\.\d$/);
  await expect(overlay.locator('tr.denied[data-method="data.query"]')).toHaveCount(1);
});

test('a broken save shows in the overlay and the server keeps serving', async ({ page }) => {
  await signInDev(page, dev.url);
  const overlay = page.locator('#osp-dev');
  await expect(overlay.locator('.dev-build')).toHaveAttribute('data-dev-build', 'ok');
  const manifest = join(work, 'probe/plugin/osplugin.json');
  const good = readFileSync(manifest, 'utf8');
  writeFileSync(manifest, good.replace('"ui.toast"', '"ui.tost"'));
  const problem = overlay.locator('.dev-problem[data-kind="manifest"]').first();
  await expect(problem).toContainText('bad_permission: osplugin.json#/permissions/rpc/1: permission ui.tost unknown');
  await expect(problem).toContainText('did you mean ui.toast');
  await expect(overlay.locator('.dev-build')).toHaveAttribute('data-dev-build', 'failed');
  // The last good build still runs.
  await expect(page.locator('.plugin-frame[data-plugin="acme.probe"]')).toHaveAttribute('data-state', 'ready');
  writeFileSync(manifest, good);
  await expect(overlay.locator('.dev-build')).toHaveAttribute('data-dev-build', 'ok');
  await expect(overlay.locator('.dev-problem[data-kind="manifest"]')).toHaveCount(0);
});

test('the switches change theme, locale and user; a hung frame is explained', async ({ page }) => {
  await signInDev(page, dev.url);
  const overlay = page.locator('#osp-dev');
  const frame = page.frameLocator('.plugin-frame[data-plugin="acme.probe"] iframe');
  await expect(frame.locator('body')).toHaveAttribute('data-locale', /.+/);

  await overlay.getByLabel('Locale').selectOption('de-DE');
  await expect(frame.locator('body')).toHaveAttribute('data-locale', 'de-DE');
  const other = (await page.locator('html').getAttribute('data-theme')) === 'dark' ? 'light' : 'dark';
  await overlay.getByLabel('Theme').selectOption(other);
  await expect(frame.locator('body')).toHaveAttribute('data-theme', other);

  await overlay.getByLabel('User').selectOption('carol');
  await expect(page.locator('.who')).toHaveText('carol · viewer');
  await expect(frame.locator('#greeting')).toHaveText('Hello, carol!');
  await expect(frame.locator('body')).toHaveAttribute('data-locale', 'de-DE'); // kept for the session

  // A save that blocks the frame's main thread after the handshake.
  const js = join(work, 'probe/plugin/widget.js');
  const good = readFileSync(js, 'utf8');
  writeFileSync(js, `${good}\nosp.ready().then(() => setTimeout(() => { for (;;) {} }, 200));\n`);
  const crash = overlay.locator('.dev-problem[data-kind="crash"]').first();
  await expect(crash).toContainText('acme.probe: timeout: Probe stopped responding', { timeout: 20_000 });
  await expect(crash).toContainText('main thread is blocked');
  writeFileSync(js, good);
  await expect(page.locator('.plugin-frame[data-plugin="acme.probe"]')).toHaveAttribute('data-state', 'ready', { timeout: 15_000 });
  await overlay.getByLabel('User').selectOption('alice');
  await expect(page.locator('.who')).toHaveText('alice · admin');
});
