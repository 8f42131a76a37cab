// Runs against `osp dev @@NAME@@`: signs in with the sample data and checks
// that the widget starts and greets the user.
import { test, expect } from '@playwright/test';

test('@@TITLE@@ greets the signed-in user', async ({ page }) => {
  await page.goto('/');
  await page.locator('#tenant').fill('default');
  await page.locator('#username').fill('alice');
  await page.locator('#password').fill('osp-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const host = page.locator('.plugin-frame[data-plugin="@@ID@@"]');
  await expect(host).toHaveAttribute('data-state', 'ready');
  const frame = page.frameLocator('.plugin-frame[data-plugin="@@ID@@"] iframe');
  await expect(frame.locator('#greeting')).toHaveText('Hello, alice!');
  await expect(frame.locator('#summary')).toContainText('contacts');
});
