// The osp side of bench/browser: calls through the plugin SDK (osp.call),
// so every call takes the real path: SDK -> private port -> the shell's
// Connection and relay check in wasm -> the bench host's handler -> reply.
// The benchmark drives these functions with Playwright's frame.evaluate.
const call = () => osp.call('context.get');

window.bench = {
  // n calls one after the other; the frame's own mean (its clock is coarse,
  // the host measures the distribution).
  async rtt(n) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await call();
    return { meanMs: (performance.now() - t0) / n };
  },
  // n calls with depth of them in flight at any time.
  inflight(n, depth) {
    return new Promise((resolve, reject) => {
      let sent = 0;
      let done = 0;
      const t0 = performance.now();
      const one = () => {
        sent += 1;
        call().then(() => {
          done += 1;
          if (sent < n) one();
          else if (done === n) resolve({ ms: performance.now() - t0, n });
        }, reject);
      };
      for (let i = 0; i < depth && i < n; i++) one();
    });
  },
  // As many calls as the frame can issue for ms: burst calls per task,
  // never waiting for answers.  Returns the tally of outcomes.
  async flood(ms, burst) {
    const tally = {};
    const pending = [];
    const count = (code) => { tally[code] = (tally[code] || 0) + 1; };
    const end = performance.now() + ms;
    let sent = 0;
    while (performance.now() < end) {
      for (let i = 0; i < burst; i++) {
        pending.push(call().then(() => count('ok'), (e) => count(e.code)));
        sent += 1;
      }
      await new Promise((r) => setTimeout(r, 0));
    }
    await Promise.all(pending);
    return { sent, tally };
  },
};

osp.ready().then(() => { document.getElementById('state').textContent = 'ready'; });
