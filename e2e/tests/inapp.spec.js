// Tier U0: a verified publisher's module, allowed in-app by the operator
// (acme.inapp for tenant globex, see global-setup.js), runs in the shell's
// own page, but only after wasm checked its bytes against the signed
// manifest, and its calls still pass the relay.
import { test, expect, signIn } from '../support/test.js';

const operator = () => process.env.OSP_E2E_OPERATOR;
const app = () => process.env.OSP_E2E_APP;

test('an allowed module from a verified publisher runs in-app, through the relay', async ({ page }) => {
  await signIn(page, 'dave', { tenant: 'globex' });
  const host = page.locator('.plugin-frame[data-plugin="acme.inapp"]');
  await expect(host).toHaveAttribute('data-tier', 'in-app');
  await expect(host).toHaveAttribute('data-state', 'ready');
  // Rendered in the host's DOM, no frame.
  await expect(host.locator('iframe')).toHaveCount(0);
  await expect(host.locator('.inapp-contacts li').first()).toBeVisible();
  // Its grants still apply: deals were never granted.
  await expect(host.locator('.inapp-denied')).toHaveText('permission_denied');
  expect(await page.evaluate(() => window.ospInAppRuns)).toBe(1);
});

test('module bytes that do not match the signed manifest never run', async ({ page }) => {
  // The plugin origin (or anything between) serves other bytes of the
  // same length, so only the digest can tell.
  await page.route('**/ext-ui/acme.inapp/*/hello.mjs', async (route) => {
    const real = await (await route.fetch()).text();
    const evil = 'window.ospInAppRuns = 99; export function mount(root) { root.textContent = "pwned"; }\n';
    await route.fulfill({
      status: 200, contentType: 'text/javascript', headers: { 'Access-Control-Allow-Origin': '*' },
      body: evil + '/'.repeat(real.length - evil.length),
    });
  });
  await signIn(page, 'dave', { tenant: 'globex' });
  const host = page.locator('.plugin-frame[data-plugin="acme.inapp"]');
  await expect(host.locator('[data-plugin-error="digest_mismatch"]')).toContainText('does not match the signed manifest');
  expect(await page.evaluate(() => window.ospInAppRuns)).toBeUndefined();
  await expect(host).not.toContainText('pwned');
});

test('in-app loading is the operator\'s call, and only for verified publishers', async ({ request }) => {
  const patch = (tenant, plugin, headers) => request.patch(`${app()}/api/v1/tenants/${tenant}/installations/${plugin}`, {
    headers: { 'Content-Type': 'application/json', ...headers }, data: { in_app: true },
  });
  // demo is not a verified publisher.
  let r = await patch('default', 'demo.contacts', { Authorization: `Bearer ${operator()}` });
  expect(r.status()).toBe(403);
  expect((await r.json()).error).toEqual({ code: 'forbidden', message: 'in-app loading is only for verified publishers' });
  const installation = await (await request.get(`${app()}/api/v1/tenants/default/installations/demo.contacts`, {
    headers: { Authorization: `Bearer ${operator()}` },
  })).json();
  expect(installation.in_app).toBe(false);
  // A tenant admin (signed in, with CSRF) may not either.
  const login = await request.post(`${app()}/api/v1/session`, {
    headers: { 'X-OSP-CSRF': 'login' }, data: { tenant: 'globex', username: 'dave', password: 'osp-demo' },
  });
  expect(login.ok()).toBe(true);
  const { csrf } = await login.json();
  r = await patch('globex', 'acme.inapp', { 'X-OSP-CSRF': csrf });
  expect(r.status()).toBe(403);
  expect((await r.json()).error.message).toBe('only the operator may allow in-app loading');
  r = await patch('globex', 'acme.inapp', { Authorization: `Bearer ${operator()}` });
  expect(r.status()).toBe(200);
});
