// Runs against `osp dev @@NAME@@`: the view lists the deals.
import { test, expect } from '@playwright/test';

test('@@TITLE@@ lists deals', async ({ page }) => {
  await page.goto('/#/deal?view=@@ID@@%2Fmain');
  await page.locator('#tenant').fill('default');
  await page.locator('#username').fill('alice');
  await page.locator('#password').fill('osp-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const host = page.locator('.plugin-frame[data-plugin="@@ID@@"]');
  await expect(host).toHaveAttribute('data-state', 'ready');
  const frame = page.frameLocator('.plugin-frame[data-plugin="@@ID@@"] iframe');
  await expect(frame.locator('#records li').first()).not.toHaveText('Loading…');
});
