// Isolation: what a hostile plugin (e2e/fixtures/probe, installed for
// tenant globex beside demo.contacts) tries, and what stops it: the
// sandbox, the plugin's CSP, the private port and the relay in wasm.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, signIn, pluginFrame, appUrl } from '../support/test.js';

async function probe(page) {
  await signIn(page, 'dave', { tenant: 'globex' });
  const frame = await pluginFrame(page, 'test.probe', 'probe');
  await expect(frame.locator('#state')).toHaveText('ready');
  return frame;
}
const run = (frame, name, ...args) => frame.evaluate(([n, a]) => window.probe[n](...a), [name, args]);

test('a plugin cannot read the host page, its cookies or any storage', async ({ page }) => {
  const frame = await probe(page);
  expect(await run(frame, 'parentDocument')).toEqual({ ok: false, error: 'SecurityError' });
  expect(await run(frame, 'topLocationRead')).toEqual({ ok: false, error: 'SecurityError' });
  // Opaque origin: cookies and storage throw instead of leaking the host's.
  expect(await run(frame, 'cookies')).toEqual({ ok: false, error: 'SecurityError' });
  expect(await run(frame, 'localStorage')).toEqual({ ok: false, error: 'SecurityError' });
  expect(await run(frame, 'indexedDB')).toMatchObject({ ok: false });
  // The host's session cookie exists, and is HttpOnly anyway.
  const cookies = await page.context().cookies();
  expect(cookies.some((c) => c.httpOnly)).toBe(true);
});

test('a plugin cannot navigate the top window or open popups', async ({ page }) => {
  const frame = await probe(page);
  const url = page.url();
  const popups = [];
  page.context().on('page', (p) => popups.push(p.url()));
  const nav = await run(frame, 'navigateTop');
  const popup = await run(frame, 'popup');
  // window.open in a sandbox without allow-popups returns null.
  expect(popup).toEqual({ ok: true, value: 'null' });
  await page.waitForTimeout(500);
  expect(page.url()).toBe(url);
  expect(popups).toEqual([]);
  expect(nav.ok === false || page.url() === url).toBe(true);
  // The shell is still alive and the plugin still answers.
  await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  expect(await run(frame, 'ping')).toBe('test.probe');
});

test('fetching an undeclared origin is blocked by the CSP and reported', async ({ page }) => {
  const frame = await probe(page);
  const log = join(process.env.OSP_E2E_WORK, 'serve.log');
  const reportsBefore = (readFileSync(log, 'utf8').match(/"event":"csp-report"/g) || []).length;
  expect(await run(frame, 'fetchOut')).toBe('TypeError');
  // The browser posts a report to the app origin; the server logs it.
  await expect.poll(() => {
    const lines = readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('"event":"csp-report"'));
    return lines.length > reportsBefore && lines.slice(reportsBefore).some((l) => l.includes('127.0.0.1:9'));
  }, { timeout: 15_000 }).toBe(true);
});

test('the relay refuses what the plugin was not granted, and bad calls, with stable codes', async ({ page }) => {
  const frame = await probe(page);
  expect(await run(frame, 'denied')).toBe('permission_denied');
  expect(await run(frame, 'write')).toBe('permission_denied');
  expect(await run(frame, 'badParams')).toBe('invalid_params');
  expect(await run(frame, 'unknownMethod')).toBe('method_not_found');
  // Oversized: refused at once with too_big, not left to time out.
  const big = await frame.evaluate(() => {
    const t0 = performance.now();
    return osp.call('data.query', { object: 'contact', filter: { name: 'x'.repeat(70_000) } })
      .then(() => 'resolved', (e) => ({ code: e.code, ms: performance.now() - t0 }));
  });
  expect(big.code).toBe('too_big');
  expect(big.ms).toBeLessThan(1000);
  // __proto__ in params is plain data: refused, and nothing is polluted.
  expect(await run(frame, 'proto')).toEqual({ r: 'invalid_params', polluted: false });
  // Nothing was written: the record is as the sample data has it.
  const g1 = await page.evaluate(async () => (await fetch('/api/v1/data/contact/g1')).json());
  expect(g1.name).not.toBe('pwned');
});

test('calls in flight together travel as batches, and every one is checked and answered once', async ({ page }) => {
  const frame = await probe(page);
  // 150 calls at once: the SDK sends them as batches (at most 64 a port
  // message); the relay checks each piece as if it came alone.
  const out = await frame.evaluate(() => Promise.all(Array.from({ length: 150 }, (_, i) => {
    const p = i % 3 === 0 ? osp.data.query({ object: 'deal' })
      : i % 3 === 1 ? osp.call('ui.resize', { height: -1 }) : osp.context.get();
    return p.then((r) => (r && r.plugin ? 'context' : 'other'), (e) => e.code);
  })));
  const expected = Array.from({ length: 150 }, (_, i) => ['permission_denied', 'invalid_params', 'context'][i % 3]);
  // The default quotas refuse past 32 in flight; whatever passes is right.
  out.forEach((r, i) => expect([expected[i], 'rate_limited']).toContain(r));
  expect(out.filter((r) => r === 'context').length).toBeGreaterThan(0);
  expect(out.filter((r) => r === 'permission_denied').length).toBeGreaterThan(0);
  expect(await run(frame, 'ping')).toBe('test.probe');
});

test('a plugin cannot talk on another plugin\'s port, and forged replies are ignored', async ({ page }) => {
  const frame = await probe(page);
  const sibling = await pluginFrame(page, 'demo.contacts', 'contacts');
  // Meanwhile the sibling makes a real call: it must get the real answer.
  const [forged, real] = await Promise.all([
    run(frame, 'forgeSiblings', 1500),
    sibling.evaluate(async () => {
      await new Promise((r) => setTimeout(r, 300));
      const out = [];
      for (let i = 0; i < 5; i++) out.push(...(await osp.data.query({ object: 'contact' })).records.map((r) => r.id));
      return out;
    }),
  ]);
  expect(forged.targets).toBeGreaterThanOrEqual(1);
  expect(forged.heard).toBe(0);
  expect(real).not.toContain('forged');
  expect(real).toContain('g1');
  // Forged hello and replies to the host on window.postMessage: ignored.
  expect(await run(frame, 'forgeReply')).toBe('sent');
  expect(await run(frame, 'ping')).toBe('test.probe');
  await expect(page.locator('.plugin-frame[data-plugin="demo.contacts"]')).toHaveAttribute('data-state', 'ready');
});

test('a flood is rate_limited without freezing the host', async ({ page }) => {
  const frame = await probe(page);
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((l) => window.longTasks.push(...l.getEntries().map((e) => e.duration)))
      .observe({ type: 'longtask' });
  });
  const tally = await run(frame, 'flood', 2000);
  expect(tally.rate_limited).toBeGreaterThan(0);
  expect(tally.resolved || 0).toBeGreaterThan(0);
  expect(Object.keys(tally).filter((k) => k !== 'rate_limited' && k !== 'resolved')).toEqual([]);
  const long = await page.evaluate(() => window.longTasks);
  expect(long.filter((d) => d > 50)).toEqual([]);
  // The quota refills: a moment later calls go through again.
  await page.waitForTimeout(1100);
  expect(await run(frame, 'ping')).toBe('test.probe');
});

test('a hung frame gets an error tile and recovers on reload', async ({ page }) => {
  const frame = await probe(page);
  await run(frame, 'hang', 5000);
  const host = page.locator('.plugin-frame[data-plugin="test.probe"]');
  const tile = host.locator('[data-plugin-error="timeout"]');
  await expect(tile).toContainText('stopped responding');
  await expect(host).toHaveAttribute('data-state', 'error');
  await tile.getByRole('button', { name: 'Reload' }).click();
  // A new frame, a new handshake, a working plugin.
  const again = await pluginFrame(page, 'test.probe', 'probe');
  await expect(again.locator('#state')).toHaveText('ready', { timeout: 15_000 });
  expect(await run(again, 'ping')).toBe('test.probe');
});

test('a frame that navigates itself away is cut off', async ({ page }) => {
  const frame = await probe(page);
  await run(frame, 'navigateSelf');
  const host = page.locator('.plugin-frame[data-plugin="test.probe"]');
  await expect(host.locator('[data-plugin-error="forbidden"]')).toContainText('navigated its frame away');
});

test('a call past its deadline is answered timeout and its work cancelled, never left hanging', async ({ page }) => {
  const frame = await probe(page);
  // The data API stops answering (requests are held, never fulfilled).
  await page.route('**/api/v1/data/contact/query*', () => {});
  const aborted = [];
  page.on('requestfailed', (r) => { if (r.url().includes('/api/v1/data/contact/query')) aborted.push(r.failure().errorText); });
  // The plugin's own deadline: the SDK rejects with timeout and sends
  // $/cancel, and the host aborts the request it was making.
  const quick = await frame.evaluate(() => osp.data.query({ object: 'contact' }, { timeout: 500 })
    .then(() => 'resolved', (e) => e.code));
  expect(quick).toBe('timeout');
  await expect.poll(() => aborted.length).toBe(1);
  // The host's deadline (10 s) answers a call the plugin would wait on longer.
  const started = Date.now();
  const code = await frame.evaluate(() => osp.data.query({ object: 'contact' }, { timeout: 60_000 })
    .then(() => 'resolved', (e) => e.code));
  expect(code).toBe('timeout');
  expect(Date.now() - started).toBeLessThan(14_000);
  await expect.poll(() => aborted.length).toBe(2);
});

test('the host reads a call\'s params exactly as sent, ASCII or not, in a batch or alone', async ({ page }) => {
  const frame = await probe(page);
  // The shell parses a call's params alone from the span the core found
  // (ASCII), or the whole message (anything else): both must give the text.
  for (const message of ['plain "quoted" \\ text', 'Grüße, 世界 😀 \u2028']) {
    await frame.evaluate((m) => osp.ui.toast(m), message);
    await expect(page.locator('.toast').last()).toContainText(message);
  }
  // Two calls in one task leave as one batch; each piece's params are its own.
  const ok = await frame.evaluate(() => Promise.all([osp.ui.toast('first of two'), osp.ui.toast('second, é')]));
  expect(ok).toHaveLength(2);
  await expect(page.locator('.toast', { hasText: 'first of two' })).toHaveCount(1);
  await expect(page.locator('.toast', { hasText: 'second, é' })).toHaveCount(1);
  expect(await run(frame, 'ping')).toBe('test.probe');
});

test('the relay checks the exact bytes of a message, whichever way the shell copies it into wasm', async ({ page }) => {
  await page.goto(appUrl());
  // The shell copies short ASCII text into wasm memory by hand and
  // everything else with TextEncoder (shell/core.js): both must hand the
  // core the same bytes, and the params it finds must be the text sent.
  const out = await page.evaluate(async () => {
    const { loadCore } = await import('/shell/core.js');
    const core = await loadCore();
    const relay = core.relay(['ui.toast'], { max_in_flight: 256, calls_per_second: 1e6, bytes_per_second: 1e9 });
    let id = 0;
    const send = (message, pad = 0) => {
      id += 1;
      const text = `{"jsonrpc":"2.0","id":${id},${' '.repeat(pad)}"method":"ui.toast","params":${JSON.stringify({ message })}}`;
      const v = relay.check(text);
      const r = { length: text.length, ok: v.ok, code: v.code };
      if (v.ok) { r.key = relay.key(); r.message = relay.params(text).message; r.replied = relay.reply(r.key); }
      return r;
    };
    const results = [
      send('short ascii'),
      send('ascii past the hand copy', 2100),
      send('ends in non-ASCII: é'),
      send('Grüße 😀', 2100),
      send('"quoted" \\ escaped', 2100),
    ];
    // A raw control character is refused; a lone surrogate is encoded as
    // U+FFFD (below); a message over 64 KiB is refused for its size.
    const control = relay.check('{"jsonrpc":"2.0","id":90,"method":"ui.toast","params":{"message":"a\u0001b"}}');
    const surrogate = relay.check('{"jsonrpc":"2.0","id":91,"method":"ui.toast","params":{"message":"\ud800"}}');
    const big = relay.check(`{"jsonrpc":"2.0","id":92,"method":"ui.toast",${' '.repeat(70000)}"params":{"message":"x"}}`);
    relay.close();
    return { results, control: control.code, surrogate: surrogate.ok, big: big.code };
  });
  expect(out.results.map((r) => r.message)).toEqual([
    'short ascii', 'ascii past the hand copy', 'ends in non-ASCII: é', 'Grüße 😀', '"quoted" \\ escaped',
  ]);
  expect(out.results[1].length).toBeGreaterThan(2048);
  expect(out.results.map((r) => r.key)).toEqual(['1', '2', '3', '4', '5']);
  expect(out.results.every((r) => r.ok && r.replied)).toBe(true);
  expect(out.control).toBe('parse_error');
  // A lone surrogate becomes U+FFFD on the way to UTF-8: valid text, as in
  // the port's own string-to-bytes path.
  expect(out.surrogate).toBe(true);
  expect(out.big).toBe('too_big');
});
