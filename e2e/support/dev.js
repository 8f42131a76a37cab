// Starts `osp dev DIR` on free ports for a test and stops it again.
import { spawn } from 'node:child_process';
import { freePort, osp } from './osp.js';

export async function startDev(dir, { cwd } = {}) {
  const appPort = await freePort();
  let pluginPort = await freePort();
  while (pluginPort === appPort) pluginPort = await freePort();
  const child = spawn(osp, ['dev', dir], {
    cwd,
    env: { ...process.env, OSP_APP_LISTEN: `127.0.0.1:${appPort}`, OSP_PLUGIN_LISTEN: `127.0.0.1:${pluginPort}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${appPort}`;
  for (let i = 0; i < 100 && !/osp dev: ready/.test(log); i++) {
    if (child.exitCode !== null) throw new Error(`osp dev exited: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!/osp dev: ready/.test(log)) { child.kill('SIGTERM'); throw new Error(`osp dev did not start: ${log}`); }
  return {
    url,
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      return done;
    },
  };
}

// Signs in through the login form of a dev shell and waits for the overlay.
export async function signInDev(page, url, username = 'alice', hash = '') {
  await page.goto(`${url}/${hash}`);
  await page.locator('#tenant').fill('default');
  await page.locator('#username').fill(username);
  await page.locator('#password').fill('osp-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('body[data-ready="true"]').waitFor({ state: 'attached' });
  await page.locator('#osp-dev').waitFor();
}
