// Stops the server (SIGTERM: it finishes in-flight requests) and removes
// the work directory.
import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const server = globalThis.ospServer;
  if (server && server.exitCode === null) {
    const stopped = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await stopped;
  } else if (process.env.OSP_E2E_SERVER_PID) {
    try { process.kill(Number(process.env.OSP_E2E_SERVER_PID), 'SIGTERM'); } catch { /* gone */ }
  }
  if (process.env.OSP_E2E_WORK && !process.env.OSP_E2E_KEEP)
    rmSync(process.env.OSP_E2E_WORK, { recursive: true, force: true });
}
