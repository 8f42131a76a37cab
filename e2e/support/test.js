// The test object every spec uses: it fails a test on any uncaught error
// in the page or in any of its frames, and signs in through the shell's
// own login form.
import { test as base, expect } from '@playwright/test';

export const appUrl = () => process.env.OSP_E2E_APP;
export const pluginOrigin = () => process.env.OSP_E2E_PLUGIN;
export const PASSWORD = 'osp-demo';

export const test = base.extend({
  page: async ({ page }, use) => {
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('crash', () => errors.push('page crashed'));
    await use(page);
    expect(errors, 'uncaught page errors').toEqual([]);
  },
});
export { expect };

// Signs in as username (tenant default unless given) and waits until the
// shell has verified the plugins and rendered the first page.
export async function signIn(page, username, { tenant = 'default', hash = '' } = {}) {
  await page.goto(`${appUrl()}/${hash}`);
  await page.locator('#tenant').fill(tenant);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
}

// The Playwright Frame of a mounted plugin frame (by plugin id and
// contribution), once its handshake is done.
export async function pluginFrame(page, plugin, contribution, nth = 0) {
  const host = page.locator(`.plugin-frame[data-plugin="${plugin}"]${contribution ? `[data-contribution="${contribution}"]` : ''}`).nth(nth);
  await expect(host).toHaveAttribute('data-state', 'ready');
  const handle = await host.locator('iframe').elementHandle();
  return handle.contentFrame();
}

// Waits until a plugin frame's height has followed its content (the SDK
// reports it at most every 100 ms): clicking while the frame still
// resizes can land where the target was a moment ago.
export async function frameSettled(page, plugin, contribution, frame) {
  const iframe = page.locator(`.plugin-frame[data-plugin="${plugin}"][data-contribution="${contribution}"] iframe`);
  await expect.poll(async () => {
    const box = await iframe.boundingBox();
    const content = await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
    return box !== null && Math.abs(Math.round(box.height) - content) <= 1;
  }).toBe(true);
}
