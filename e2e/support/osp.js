// Helpers to drive the real osp binary from the e2e tests.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const osp = process.env.OSP_BIN || join(root, 'build/osp');

export function run(args, env = {}, cwd = undefined) {
  return execFileSync(osp, args, { env: { ...process.env, ...env }, encoding: 'utf8', cwd });
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export async function startServer({ dataDir, appPort, pluginPort, logFile, pluginOrigin }) {
  const origin = pluginOrigin ? ['--plugin-origin', pluginOrigin] : [];
  const child = spawn(osp, ['serve', '--app', `127.0.0.1:${appPort}`, '--plugin',
    `127.0.0.1:${pluginPort}`, ...origin, '-d', dataDir, '--sample-data'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: false,
  });
  let log = '';
  child.stderr.on('data', (d) => { log += d; if (logFile) writeFileSync(logFile, log); });
  const url = `http://127.0.0.1:${appPort}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`osp serve exited: ${log}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return child;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`osp serve did not come up: ${log}`);
}

// The two members of a .osplugin the shell verifies (brotli + ustar).
export function readBundleManifest(file) {
  const tar = brotliDecompressSync(readFileSync(file));
  const out = {};
  for (let off = 0; off + 512 <= tar.length;) {
    const name = tar.subarray(off, off + 100).toString('utf8').replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(tar.subarray(off + 124, off + 136).toString('utf8'), 8);
    out[name] = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return { manifest: out['osplugin.json'], signature: out['osplugin.json.minisig'] };
}

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

// Writes a blob straight into the store and rows straight into SQLite,
// bypassing every check the server makes: a store changed behind osp's back.
export function plantBehindServersBack({ dataDir, id, version, manifest, signature, keyid, grants }) {
  const digest = sha256(manifest);
  const dir = join(dataDir, 'blobs/sha256', digest.slice(0, 2));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, digest.slice(2)), manifest);
  const q = (s) => `'${String(s).replaceAll("'", "''")}'`;
  const sql = [
    `INSERT INTO plugins(id, publisher, created_at) VALUES(${q(id)}, 'demo', 1);`,
    `INSERT INTO versions(plugin_id, version, digest, signature, keyid, published_at) VALUES(${q(id)}, ${q(version)}, ${q(digest)}, ${q(signature)}, ${q(keyid)}, 1);`,
    `INSERT INTO installations(tenant, plugin_id, digest, grants, installed_at) VALUES('default', ${q(id)}, ${q(digest)}, ${q(JSON.stringify(grants))}, 1);`,
  ].join('\n');
  execFileSync('sqlite3', [join(dataDir, 'registry.db')], { input: sql });
  return digest;
}
