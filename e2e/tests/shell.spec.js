// The shell as a user meets it: sign in, the three plugin surfaces
// (dashboard widgets, field renderers, object views), modals, theme,
// sizing, and the tiles for plugins the core refused.
import { appUrl, expect, frameSettled, pluginFrame, pluginOrigin, signIn, test } from '../support/test.js';

test('a wrong password is refused with a clear message and no session', async ({ page }) => {
  await page.goto(appUrl());
  await page.locator('#username').fill('bob');
  await page.locator('#password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('wrong tenant, name or password');
  await expect(page.locator('iframe')).toHaveCount(0);
  const res = await page.request.get(`${appUrl()}/api/v1/installed`);
  expect(res.status()).toBe(401);
});

test('the dashboard widget shows records fetched over RPC', async ({ page }) => {
  await signIn(page, 'bob');
  const frame = await pluginFrame(page, 'demo.contacts', 'contacts');
  await expect(frame.locator('#contacts li')).toHaveCount(3);
  await expect(frame.locator('#contacts')).toContainText('Ada Lovelace');
  await expect(page.locator('#core-status')).toContainText('3 plugins verified in wasm · 2 refused');
});

test('a call the plugin was not granted is refused with permission_denied', async ({ page }) => {
  await signIn(page, 'bob');
  const frame = await pluginFrame(page, 'demo.contacts', 'contacts');
  // The widget grows once its contacts arrive: click only once the frame
  // has followed (a click during the resize lands where the button was).
  await expect(frame.locator('#contacts li')).toHaveCount(3);
  await frameSettled(page, 'demo.contacts', 'contacts', frame);
  await frame.locator('#deals').click();
  await expect(frame.locator('#deals-result')).toContainText('permission_denied');
  await expect(frame.locator('#deals-result')).toContainText('data.read:deal');
});

test('frames are sandboxed, cross-origin, lazy and described by the core', async ({ page }) => {
  await signIn(page, 'bob');
  await pluginFrame(page, 'demo.contacts', 'contacts');
  const iframe = page.locator('.plugin-frame[data-plugin="demo.contacts"] iframe');
  await expect(iframe).toHaveAttribute('sandbox', 'allow-scripts');
  await expect(iframe).toHaveAttribute('referrerpolicy', 'no-referrer');
  await expect(iframe).toHaveAttribute('allow', '');
  await expect(iframe).toHaveAttribute('loading', 'eager');
  await expect(iframe).toHaveAttribute('title', /Contacts/);
  const src = await iframe.getAttribute('src');
  expect(src).toMatch(new RegExp(`^${pluginOrigin()}/ext-ui/demo\\.contacts/[0-9a-f]{64}/widget\\.html$`));
  // Rows far below the fold get loading="lazy".
  await page.setViewportSize({ width: 1280, height: 200 });
  await page.goto(`${appUrl()}/#/contact`);
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  const rows = page.locator('td[data-field="rating"] iframe');
  await expect(rows).toHaveCount(3);
  await expect(rows.last()).toHaveAttribute('loading', 'lazy');
});

test('refused plugins show why and are never mounted', async ({ page }) => {
  await signIn(page, 'bob');
  const tampered = page.locator('[data-plugin-error="signature_invalid"]');
  await expect(tampered).toContainText('demo.tampered');
  await expect(tampered).toContainText('the signature does not match the manifest bytes');
  await expect(page.locator('[data-plugin-error="revoked"]')).toContainText('demo.revoked');
  await expect(page.locator('.plugin-frame[data-plugin="demo.tampered"]')).toHaveCount(0);
  await expect(page.locator('.plugin-frame[data-plugin="demo.revoked"]')).toHaveCount(0);
  // Nothing of theirs was even requested from the plugin origin.
  const requested = [];
  page.on('request', (r) => requested.push(r.url()));
  await page.reload();
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  await pluginFrame(page, 'demo.contacts', 'contacts');
  expect(requested.filter((u) => /demo\.(tampered|revoked)/.test(u))).toEqual([]);
});

test('field renderers show ratings in lists and edit them in forms', async ({ page }) => {
  await signIn(page, 'bob', { hash: '#/contact' });
  const cell = await pluginFrame(page, 'demo.stars', 'stars', 0);
  await expect(cell.locator('#stars')).toHaveAttribute('aria-label', /Rated [0-5] of 5/);
  // Lists are read-only: no buttons.
  await expect(cell.locator('button')).toHaveCount(0);

  await page.goto(`${appUrl()}/#/contact/c3`);
  const stars = await pluginFrame(page, 'demo.stars', 'stars');
  await expect(stars.locator('#stars')).toHaveAttribute('aria-label', 'Rated 3 of 5');
  await stars.getByRole('button', { name: 'Rate 5 of 5' }).click();
  await expect(stars.locator('#stars')).toHaveAttribute('aria-label', 'Rated 5 of 5');
  // The server has it, under bob's session.
  const record = await page.evaluate(async () => (await fetch('/api/v1/data/contact/c3')).json());
  expect(record.rating).toBe(5);
  await stars.getByRole('button', { name: 'Rate 3 of 5' }).click();
  await expect(stars.locator('#stars')).toHaveAttribute('aria-label', 'Rated 3 of 5');
});

test('a viewer sees ratings but cannot change them', async ({ page }) => {
  await signIn(page, 'carol', { hash: '#/contact/c1' });
  const stars = await pluginFrame(page, 'demo.stars', 'stars');
  await expect(stars.locator('#stars')).toHaveAttribute('aria-label', /Rated [0-5] of 5/);
  await expect(stars.locator('button')).toHaveCount(0);
  await expect(page.locator('form.record-form button[type="submit"]')).toHaveCount(0);
});

test('the pipeline view moves a deal, toasts, and navigates to it', async ({ page }) => {
  await signIn(page, 'bob', { hash: '#/deal' });
  await page.getByRole('link', { name: 'Pipeline' }).click();
  const board = await pluginFrame(page, 'demo.pipeline', 'pipeline');
  const lead = board.locator('[data-stage="lead"]');
  await expect(lead.locator('.deal')).toHaveCount(1);
  const title = await lead.locator('.deal .title').textContent();
  await frameSettled(page, 'demo.pipeline', 'pipeline', board);
  await lead.getByRole('button', { name: /to qualified/ }).click();
  // The plugin toasts either way; the toast says what happened.
  await expect(page.locator('.toast')).toContainText(`${title} moved to qualified`);
  await expect(board.locator('[data-stage="qualified"] .deal')).toContainText(title);
  await expect(page.locator('.toast .from')).toContainText('Deal pipeline');
  // Move it back so other tests see the sample data.
  await board.locator('[data-stage="qualified"]').getByRole('button', { name: /back to lead/ }).click();
  await expect(lead.locator('.deal')).toHaveCount(1);
  await lead.locator('.deal .title').click();
  await expect(page).toHaveURL(/#\/deal\/d\d+$/);
  await expect(page.locator('h1')).toHaveText(title);
});

test('localStorage in a plugin is kept by the host per user and plugin', async ({ page }) => {
  await signIn(page, 'bob', { hash: '#/deal?view=demo.pipeline%2Fpipeline' });
  let board = await pluginFrame(page, 'demo.pipeline', 'pipeline');
  await expect(board.locator('[data-stage="won"]')).toHaveCount(0);
  await board.locator('#show-closed').check();
  await expect(board.locator('[data-stage="won"]')).toHaveCount(1);
  await page.reload();
  board = await pluginFrame(page, 'demo.pipeline', 'pipeline');
  await expect(board.locator('#show-closed')).toBeChecked();
  await expect(board.locator('[data-stage="won"]')).toHaveCount(1);
  // Stored on the server for bob and this plugin, nowhere else.
  const stored = await page.evaluate(async () => {
    const r = await fetch('/api/v1/storage/showClosed', { headers: { 'X-OSP-Plugin': 'demo.pipeline' } });
    return r.json();
  });
  expect(stored.value).toBe('yes');
  await board.locator('#show-closed').uncheck();
  await expect(board.locator('[data-stage="won"]')).toHaveCount(0);
});

test('ui.modal opens another frame of the plugin; Escape closes it and focus returns', async ({ page }) => {
  await signIn(page, 'bob');
  const widget = await pluginFrame(page, 'demo.contacts', 'contacts');
  const opener = widget.getByRole('button', { name: 'Ada Lovelace' });
  await opener.click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  const card = await pluginFrame(page, 'demo.contacts', 'card');
  await expect(card.locator('.card h2')).toHaveText('Ada Lovelace');
  await expect(card.locator('.card')).toHaveCount(1);
  // Escape inside the modal's frame reaches the host through the SDK.
  await card.locator('button').focus();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(page.locator('.plugin-frame[data-contribution="card"]')).toHaveCount(0);
  // The Close button in the plugin works too (ui.close).
  await opener.click();
  const again = await pluginFrame(page, 'demo.contacts', 'card');
  await again.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
});

test('Tab at the edges of a frame hands focus back to the host', async ({ page }) => {
  await signIn(page, 'bob');
  const widget = await pluginFrame(page, 'demo.contacts', 'contacts');
  await widget.locator('#deals').focus();
  await widget.locator('#deals').press('Tab');
  // Focus left the frame for the next focusable thing in the host.
  await expect.poll(() => page.evaluate(() => document.activeElement && document.activeElement.tagName)).not.toBe('IFRAME');
  await widget.getByRole('button', { name: 'Ada Lovelace' }).focus();
  await widget.getByRole('button', { name: 'Ada Lovelace' }).press('Shift+Tab');
  await expect.poll(() => page.evaluate(() => document.activeElement && document.activeElement.tagName)).not.toBe('IFRAME');
});

test('frames resize to their content within their size hint', async ({ page }) => {
  await signIn(page, 'bob', { hash: '#/deal?view=demo.pipeline%2Fpipeline' });
  const board = await pluginFrame(page, 'demo.pipeline', 'pipeline');
  const iframe = page.locator('.plugin-frame[data-plugin="demo.pipeline"] iframe');
  await expect(board.locator('[data-stage="lead"] .deal')).toHaveCount(1);
  // The frame's height follows its document's, whatever that is now.
  const heights = async () => ({
    frame: Math.round((await iframe.boundingBox()).height),
    content: await board.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height)),
  });
  await expect.poll(async () => { const h = await heights(); return h.frame === h.content; }).toBe(true);
  const before = (await heights()).frame;
  await board.locator('#show-closed').check();
  await expect.poll(async () => (await heights()).frame).toBeGreaterThan(before);
  await expect.poll(async () => { const h = await heights(); return h.frame === h.content; }).toBe(true);
  await board.locator('#show-closed').uncheck();
});

test('the theme reaches plugins live, in light and in dark', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await signIn(page, 'bob');
  const widget = await pluginFrame(page, 'demo.contacts', 'contacts');
  const read = () => widget.evaluate(() => ({
    theme: document.documentElement.dataset.ospTheme,
    text: getComputedStyle(document.documentElement).getPropertyValue('--osp-text').trim(),
    color: getComputedStyle(document.body).color,
  }));
  await expect.poll(async () => (await read()).theme).toBe('light');
  const light = await read();
  expect(light.text).toBe('#1d2433');
  const lightShot = await page.screenshot();

  await page.getByRole('button', { name: /light and dark/ }).click();
  await expect.poll(async () => (await read()).theme).toBe('dark');
  const dark = await read();
  expect(dark.text).toBe('#e4e7ec');
  expect(dark.color).not.toBe(light.color);
  const darkShot = await page.screenshot();
  expect(darkShot.equals(lightShot)).toBe(false);
  // The shell's own surfaces follow: a dark background, light text.
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe('rgb(15, 18, 24)');
  await page.getByRole('button', { name: /light and dark/ }).click();
  await expect.poll(async () => (await read()).theme).toBe('light');
});
