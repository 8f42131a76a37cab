// Starts a real osp serve with a fresh data directory and sample data,
// publishes the demo plugins and the e2e fixtures signed by a fresh key,
// installs them, revokes one version, and plants a tampered bundle in the
// store behind the server's back.
//
// Tenant "default" (alice admin, bob sales, carol viewer) has the demo
// plugins; tenant "globex" (dave admin) has the hostile probe, so the
// demo pages stay clean; tenant "initech" (erin admin) starts with nothing
// installed, for the Plugins page to install into.  The plugin origin is http://localhost:PORT while
// the app is on http://127.0.0.1:PORT: different sites, so Chromium puts
// plugin frames in their own renderer processes, as in production.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort, plantBehindServersBack, readBundleManifest, root, run, startServer,
} from './osp.js';

const DEMO = ['contacts-widget', 'stars-renderer', 'deal-pipeline'];

export default async function globalSetup() {
  const work = mkdtempSync(join(tmpdir(), 'osp-e2e-'));
  const dataDir = join(work, 'data');
  const appPort = await freePort();
  let pluginPort = await freePort();
  while (pluginPort === appPort) pluginPort = await freePort();

  run(['keygen', '-o', join(work, 'demo'), '--no-password']);
  const token = run(['publisher', 'add', 'demo', '--key', join(work, 'demo.pub'), '-d', dataDir]).trim();
  const operator = run(['admin-token', 'add', 'e2e', '-d', dataDir]).trim();
  // A verified publisher, whose plugin the operator lets run in-app (U0).
  run(['keygen', '-o', join(work, 'acme'), '--no-password']);
  const acmeToken = run(['publisher', 'add', 'acme', '--key', join(work, 'acme.pub'), '--verified', '-d', dataDir]).trim();
  const pack = (dir, name) => {
    const bundle = join(work, `${name}.osplugin`);
    run(['pack', dir, '-k', join(work, 'demo.key'), '-o', bundle]);
    return bundle;
  };

  const server = await startServer({
    dataDir, appPort, pluginPort, logFile: join(work, 'serve.log'),
    pluginOrigin: `http://localhost:${pluginPort}`,
  });
  const appUrl = `http://127.0.0.1:${appPort}`;
  const publish = (bundle) => run(['publish', bundle, '--server', appUrl, '--token', token]);

  for (const name of DEMO) {
    publish(pack(join(root, 'docs/examples', name), name));
  }
  run(['install', 'demo.contacts', '--grant-all', '-d', dataDir]);
  run(['install', 'demo.stars', '--grant-all', '-d', dataDir]);
  run(['install', 'demo.pipeline', '--grant-all', '-d', dataDir]);
  publish(pack(join(root, 'e2e/fixtures/probe'), 'probe'));
  run(['install', 'test.probe', '--grant-all', '--tenant', 'globex', '-d', dataDir]);
  // A sibling for the probe to attack.
  run(['install', 'demo.contacts', '--grant-all', '--tenant', 'globex', '-d', dataDir]);
  const inapp = join(work, 'inapp.osplugin');
  run(['pack', join(root, 'e2e/fixtures/inapp'), '-k', join(work, 'acme.key'), '-o', inapp]);
  run(['publish', inapp, '--server', appUrl, '--token', acmeToken]);
  run(['install', 'acme.inapp', '--grant-all', '--tenant', 'globex', '-d', dataDir]);
  const allow = await fetch(`${appUrl}/api/v1/tenants/globex/installations/acme.inapp`, {
    method: 'PATCH', headers: { Authorization: `Bearer ${operator}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ in_app: true }),
  });
  if (!allow.ok) throw new Error(`in_app failed: ${allow.status} ${await allow.text()}`);

  // A copy of the widget under another id, installed, then revoked.
  const revokedDir = copyWithId(work, 'contacts-widget', 'demo.revoked');
  publish(pack(revokedDir, 'revoked'));
  run(['install', 'demo.revoked', '--grant-all', '-d', dataDir]);
  run(['user', 'add', 'erin', '--tenant', 'initech', '--role', 'admin', '-d', dataDir], { OSP_PASSWORD: 'osp-demo' });
  const res = await fetch(`${appUrl}/api/v1/admin/plugins/demo.revoked/versions/1.0.0/revoke`, {
    method: 'POST', headers: { Authorization: `Bearer ${operator}` },
  });
  if (!res.ok) throw new Error(`revoke failed: ${res.status} ${await res.text()}`);

  // The same widget under another id, signed, then one manifest byte
  // changed after signing and planted directly in the store.
  const tamperedBundle = pack(copyWithId(work, 'contacts-widget', 'demo.tampered'), 'tampered');
  const { manifest, signature } = readBundleManifest(tamperedBundle);
  const changed = Buffer.from(manifest.toString('utf8').replace('data.read:contact', 'data.read:deal'));
  const keyid = readFileSync(join(work, 'demo.pub'), 'utf8').match(/key ([0-9A-F]{16})/)[1];
  plantBehindServersBack({
    dataDir, id: 'demo.tampered', version: '1.0.0', manifest: changed,
    signature: signature.toString('utf8'), keyid, grants: ['data.read:deal'],
  });

  process.env.OSP_E2E_APP = appUrl;
  process.env.OSP_E2E_PLUGIN = `http://localhost:${pluginPort}`;
  process.env.OSP_E2E_WORK = work;
  process.env.OSP_E2E_DATA = dataDir;
  process.env.OSP_E2E_OPERATOR = operator;
  process.env.OSP_E2E_SERVER_PID = String(server.pid);
  globalThis.ospServer = server;
}

function copyWithId(work, example, id) {
  const dir = join(work, id);
  cpSync(join(root, 'docs/examples', example), dir, { recursive: true });
  const mf = join(dir, 'osplugin.json');
  const text = readFileSync(mf, 'utf8');
  writeFileSync(mf, text.replace(/"id": "demo\.[a-z]+"/, `"id": "${id}"`));
  return dir;
}
