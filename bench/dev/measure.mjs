// Save-to-reload latency of osp dev: from writing a file in the plugin
// directory to the reloaded frame's first RPC call reaching the shell
// (after a fresh handshake).  Usage: node measure.mjs OSP WORKDIR RUNS
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [osp, work, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 20);
const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '../../e2e/package.json'));
const { chromium } = require('@playwright/test');

const freePort = () => new Promise((res, rej) => {
  const s = createServer();
  s.on('error', rej);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
});

execFileSync(osp, ['new', 'bench', '--template', 'widget'], { cwd: work });
const js = join(work, 'bench/plugin/widget.js');
const original = readFileSync(js, 'utf8');
// Each revision announces itself with a toast as soon as its handshake is
// done: the shell shows it in the page, where the time is taken.
const revision = (n) => `${original}\nosp.ready().then(() => osp.ui.toast('rev-${n}'));\n`;
writeFileSync(js, revision(0));

const appPort = await freePort();
let pluginPort = await freePort();
while (pluginPort === appPort) pluginPort = await freePort();
const dev = spawn(osp, ['dev', 'bench', '--quiet', '--app', `127.0.0.1:${appPort}`, '--plugin', `127.0.0.1:${pluginPort}`],
  { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
dev.stderr.on('data', (d) => { log += d; });
for (let i = 0; i < 100 && !/ready/.test(log); i++) await new Promise((r) => setTimeout(r, 100));
if (!/ready/.test(log)) { dev.kill('SIGINT'); throw new Error(`osp dev did not start: ${log}`); }

const browser = await chromium.launch({
  executablePath: process.env.OSP_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const results = [];
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${appPort}/`);
  await page.locator('#tenant').fill('default');
  await page.locator('#username').fill('alice');
  await page.locator('#password').fill('osp-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('body[data-ready="true"]').waitFor({ state: 'attached' });
  await page.locator('#osp-dev').waitFor();
  await page.evaluate(() => {
    window.__seen = {};
    new MutationObserver(() => {
      for (const t of document.querySelectorAll('#toasts *')) {
        const m = /rev-(\d+)/.exec(t.textContent || '');
        if (m && !(m[1] in window.__seen)) window.__seen[m[1]] = performance.timeOrigin + performance.now();
      }
    }).observe(document.getElementById('toasts'), { childList: true, subtree: true, characterData: true });
  });
  for (let n = 1; n <= runs; n++) {
    await new Promise((r) => setTimeout(r, 400)); // let the last frame settle
    const t0 = Date.now();
    writeFileSync(js, revision(n));
    await page.waitForFunction((k) => k in window.__seen, String(n), { timeout: 10000, polling: 5 });
    const shown = await page.evaluate((k) => window.__seen[k], String(n));
    const state = await page.evaluate(async () => (await fetch('/api/v1/dev/state?since=0')).json());
    results.push({ total: shown - t0, build: state.ready_at - t0, build_ms: state.build_ms });
  }
} finally {
  await browser.close();
  dev.kill('SIGINT');
}
const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p90: q(0.9), min: s[0], max: s[s.length - 1] };
};
const out = {
  runs: results.length,
  save_to_reload_ms: stat(results.map((r) => r.total)),
  save_to_installed_ms: stat(results.map((r) => r.build)),
  pack_sign_publish_ms: stat(results.map((r) => r.build_ms)),
  samples: results,
};
writeFileSync(join(work, 'results.json'), JSON.stringify(out, null, 2));
const f = (s) => `median ${s.median.toFixed(0)} ms, p90 ${s.p90.toFixed(0)} ms, min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)}`;
console.log(`runs: ${out.runs}`);
console.log(`save -> frame reloaded and handshaken: ${f(out.save_to_reload_ms)}  (target < 300 ms)`);
console.log(`  save -> build installed (watch, pack, sign, publish, install): ${f(out.save_to_installed_ms)}`);
console.log(`  of which pack + sign + publish + install: ${f(out.pack_sign_publish_ms)}`);
