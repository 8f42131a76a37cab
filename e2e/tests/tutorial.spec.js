// docs/plugin-author-guide.md, word for word: every command in its ```sh
// blocks runs in order in a fresh directory (with the built osp first on
// PATH, and free ports in place of 8080/8081), and what the prose says the
// reader sees is checked in the browser.  If the guide changes, this test
// fails until the two agree again.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, expect } from '../support/test.js';
import { freePort, osp, root } from '../support/osp.js';

const guide = readFileSync(join(root, 'docs/plugin-author-guide.md'), 'utf8');
const commands = [...guide.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1].split('\n'))
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

// The tutorial as this test knows it; the guide must say exactly this.
const EXPECTED = [
  'osp new hello --template widget',
  'osp dev hello',
  "sed -i 's/Hello, /Welcome back, /' hello/plugin/widget.js",
  'osp check hello/plugin',
  'osp keygen -o acme --no-password',
  'osp pack hello/plugin -k acme.key',
  'osp publisher add acme --key acme.pub -d osp-data > acme.token',
  'osp serve -d osp-data --sample-data',
  'OSP_PUBLISH_TOKEN=$(cat acme.token) osp publish acme.hello-1.0.0.osplugin --server http://127.0.0.1:8080',
  'osp install acme.hello --grant-all -d osp-data',
];

// What the prose promises the reader sees, checked below.
const SAYS = [
  'sign in as `alice` with the password\n`osp-demo`',
  'your widget says "Hello, alice!"',
  'the widget says "Welcome back, alice!"',
  'stop `osp dev` with Ctrl-C',
  'prints `hello/plugin: no problems found`',
  '`osp pack` writes `acme.hello-1.0.0.osplugin`',
  'It prints `published acme.hello 1.0.0`',
  'shows your widget, "Welcome back, alice!"',
];

test.setTimeout(120_000);

test('the plugin author guide works as written', async ({ page }) => {
  expect(commands).toEqual(EXPECTED);
  for (const s of SAYS) expect(guide).toContain(s);

  const work = mkdtempSync(join(tmpdir(), 'osp-tutorial-'));
  const appPort = await freePort();
  let pluginPort = await freePort();
  while (pluginPort === appPort) pluginPort = await freePort();
  const app = `http://127.0.0.1:${appPort}`;
  const env = {
    ...process.env,
    PATH: `${dirname(osp)}:${process.env.PATH}`,
    OSP_APP_LISTEN: `127.0.0.1:${appPort}`,
    OSP_PLUGIN_LISTEN: `127.0.0.1:${pluginPort}`,
    HOME: work, // no publish config of the machine's user
  };
  const ports = (cmd) => cmd.replaceAll('127.0.0.1:8080', `127.0.0.1:${appPort}`);
  const sh = (cmd) => execFileSync('bash', ['-euo', 'pipefail', '-c', ports(cmd)], { cwd: work, env, encoding: 'utf8' });
  const background = [];
  const startBackground = async (cmd) => {
    const child = spawn('bash', ['-c', `exec ${ports(cmd)}`], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => { log += d; });
    child.stderr.on('data', (d) => { log += d; });
    background.push(child);
    for (let i = 0; i < 150; i++) {
      if (child.exitCode !== null) throw new Error(`${cmd} exited: ${log}`);
      try { if ((await fetch(`${app}/healthz`)).ok && /ready/.test(log)) return child; } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${cmd} did not start: ${log}`);
  };
  const ctrlC = async (child) => {
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    return done;
  };
  const signIn = async () => {
    await page.goto(app);
    await page.locator('#tenant').fill('default');
    await page.locator('#username').fill('alice');
    await page.locator('#password').fill('osp-demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.locator('body[data-ready="true"]')).toBeAttached();
  };
  const widget = () => page.frameLocator('.plugin-frame[data-plugin="acme.hello"] iframe');

  try {
    let dev;
    for (const cmd of commands) {
      if (cmd.startsWith('osp dev ')) {
        dev = await startBackground(cmd);
        await signIn();
        await expect(page.locator('#osp-dev')).toBeVisible();
        await expect(widget().locator('#greeting')).toHaveText('Hello, alice!');
        await expect(widget().locator('#summary')).toHaveText(/You have \d+ contacts\./);
      } else if (cmd.startsWith('sed ')) {
        sh(cmd);
        await expect(widget().locator('#greeting')).toHaveText('Welcome back, alice!');
        expect(await ctrlC(dev)).toBe(0);
      } else if (cmd.startsWith('osp serve ')) {
        await startBackground(cmd);
      } else {
        const out = sh(cmd);
        if (cmd.startsWith('osp new ')) expect(out).toContain('created hello/');
        if (cmd.startsWith('osp check ')) expect(out).toContain('hello/plugin: no problems found');
        if (cmd.startsWith('osp pack ')) expect(existsSync(join(work, 'acme.hello-1.0.0.osplugin'))).toBe(true);
        if (cmd.includes('osp publish ')) expect(out).toContain('published acme.hello 1.0.0');
      }
    }
    // Installed in a shell: a normal osp serve, no dev overlay.
    await signIn();
    await expect(widget().locator('#greeting')).toHaveText('Welcome back, alice!');
    await expect(page.locator('#osp-dev')).toHaveCount(0);
  } finally {
    for (const child of background) if (child.exitCode === null) await ctrlC(child);
    rmSync(work, { recursive: true, force: true });
  }
});
