// Runs against `osp dev @@NAME@@`: the renderer draws the rating column of
// the contacts list.
import { test, expect } from '@playwright/test';

test('@@TITLE@@ renders ratings', async ({ page }) => {
  await page.goto('/#/contact');
  await page.locator('#tenant').fill('default');
  await page.locator('#username').fill('alice');
  await page.locator('#password').fill('osp-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const host = page.locator('.plugin-frame[data-plugin="@@ID@@"]').first();
  await expect(host).toHaveAttribute('data-state', 'ready');
  const frame = page.frameLocator('.plugin-frame[data-plugin="@@ID@@"] iframe').first();
  await expect(frame.locator('#value')).toHaveAttribute('data-value', /[0-5]/);
});
