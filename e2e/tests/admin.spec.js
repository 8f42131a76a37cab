// The Plugins page: a workspace admin installs a plugin with the
// permissions they choose, narrows them, disables, enables and uninstalls
// it, and the dashboard follows each step; what the page shows is what the
// server holds.  Tenant "initech" starts with nothing installed.
import { appUrl, expect, pluginFrame, signIn, test } from '../support/test.js';

const installation = async (page, id) => {
  const res = await page.request.get(`${appUrl()}/api/v1/tenants/initech/installations/${id}`);
  return res.status() === 200 ? res.json() : null;
};

test('an admin installs, narrows, disables, enables and uninstalls a plugin', async ({ page }) => {
  await signIn(page, 'erin', { tenant: 'initech' });
  await expect(page.locator('#widgets')).toContainText('No widgets are installed');
  await page.getByRole('link', { name: 'Plugins' }).click();
  await expect(page.locator('h1')).toHaveText('Plugins');
  await expect(page.locator('#installed')).toContainText('Nothing is installed');
  const card = page.locator('[data-available="demo.contacts"]');
  await expect(card).toContainText('by demo');

  // Consent: every requested permission in plain words; grant one.
  await card.locator('[data-action="install"]').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('asks to:');
  const boxes = dialog.locator('input[name="grant"]');
  expect(await boxes.count()).toBeGreaterThan(1);
  await expect(dialog.locator('label', { hasText: 'data.read:contact' })).toContainText('contact');
  for (const box of await boxes.all()) await box.uncheck();
  await dialog.locator('label', { hasText: 'data.read:contact' }).locator('input').check();
  await dialog.getByRole('button', { name: 'Install' }).click();
  await expect(dialog).toBeHidden();
  const installed = page.locator('[data-installed="demo.contacts"]');
  await expect(installed).toContainText('enabled');
  await expect(installed).toContainText('data.read:contact');
  await expect(installed).toContainText('Asks for, not granted');
  expect((await installation(page, 'demo.contacts')).grants).toEqual(['data.read:contact']);

  // The dashboard mounts it, and the relay still refuses what it never asked for.
  await page.getByRole('link', { name: 'Dashboard' }).click();
  const frame = await pluginFrame(page, 'demo.contacts', 'contacts');
  await frame.locator('#deals').click();
  await expect(frame.locator('#deals-result')).toContainText('permission_denied');

  // Grant one more from the permissions dialog.
  await page.getByRole('link', { name: 'Plugins' }).click();
  await installed.locator('[data-action="permissions"]').click();
  await expect(dialog.locator('label', { hasText: 'data.read:contact' }).locator('input')).toBeChecked();
  await dialog.locator('label', { hasText: 'ui.modal' }).locator('input').check();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(installed.locator('.chip', { hasText: 'ui.modal' })).toHaveCount(1);
  expect((await installation(page, 'demo.contacts')).grants.sort()).toEqual(['data.read:contact', 'ui.modal']);

  // Disabled: the dashboard has no frame of it; enabled again: it is back.
  await installed.locator('[data-action="disable"]').click();
  await expect(installed).toContainText('disabled');
  expect((await installation(page, 'demo.contacts')).enabled).toBe(false);
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.locator('#widgets')).toContainText('No widgets are installed');
  await expect(page.locator('.plugin-frame[data-plugin="demo.contacts"]')).toHaveCount(0);
  await page.getByRole('link', { name: 'Plugins' }).click();
  await installed.locator('[data-action="enable"]').click();
  await expect(installed).toContainText('enabled');
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await pluginFrame(page, 'demo.contacts', 'contacts');

  // Uninstall asks first; then it is available again and nothing is left.
  await page.getByRole('link', { name: 'Plugins' }).click();
  await installed.locator('[data-action="uninstall"]').click();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(installed).toBeVisible();
  await installed.locator('[data-action="uninstall"]').click();
  await dialog.locator('[data-action="confirm"]').click();
  await expect(page.locator('[data-available="demo.contacts"]')).toBeVisible();
  await expect(page.locator('#installed')).toContainText('Nothing is installed');
  expect(await installation(page, 'demo.contacts')).toBeNull();
});

test('the Plugins page is for admins only, and so is its API', async ({ page }) => {
  await signIn(page, 'bob', { hash: '#/plugins' });
  await expect(page.getByRole('link', { name: 'Plugins' })).toHaveCount(0);
  await expect(page.locator('[data-plugin-error="forbidden"]')).toContainText('Only workspace admins manage plugins');
  // With bob's own CSRF token: refused for who he is, not for a missing header.
  const { csrf } = await (await page.request.get(`${appUrl()}/api/v1/session`)).json();
  const res = await page.request.patch(`${appUrl()}/api/v1/tenants/default/installations/demo.contacts`, {
    data: { enabled: false }, headers: { 'X-OSP-CSRF': csrf },
  });
  expect(res.status()).toBe(403);
  expect((await res.json()).error.code).toBe('forbidden');
});
