// The baseline of bench/browser: the same kind of frame (same plugin, same
// origin, sandbox and CSP) with no SDK and no relay.  It takes a
// MessagePort from the bench page the way the SDK does, then sends text
// the size of an SDK request and waits for the page to echo it back.
//
// It reads each echo (event.data), as any client must read a reply: the
// port deserialises a message only when it is read, and that is part of
// the port's own cost.  echo.html#unread skips the read (the baseline as
// it was until 2026-12-04, still printed beside it: docs/benchmarks.md).
const UNREAD = location.hash === '#unread';
let port = null;
let waiting = null;
let last = null; // the last echo read
window.addEventListener('message', (event) => {
  if (event.source !== window.parent || port || !event.ports || !event.ports[0]) return;
  port = event.ports[0];
  port.onmessage = UNREAD
    ? () => { const w = waiting; waiting = null; w(); }
    : (e) => { last = e.data; const w = waiting; waiting = null; w(); };
});
window.parent.postMessage({ bench: 'hello' }, '*');

const message = (i) => `{"jsonrpc":"2.0","id":${i},"method":"context.get","params":{}}`;
const send = (i) => new Promise((resolve) => { waiting = resolve; port.postMessage(message(i)); });

window.bench = {
  ready: () => port !== null,
  async rtt(n) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await send(i);
    return { meanMs: (performance.now() - t0) / n };
  },
  // depth messages in flight: every echo sends the next one.
  inflight(n, depth) {
    return new Promise((resolve) => {
      let sent = 0;
      let done = 0;
      const t0 = performance.now();
      const before = port.onmessage;
      port.onmessage = (e) => {
        if (!UNREAD) last = e.data;
        done += 1;
        if (sent < n) { sent += 1; port.postMessage(message(sent)); } else if (done === n) {
          port.onmessage = before;
          resolve({ ms: performance.now() - t0, n });
        }
      };
      for (; sent < depth && sent < n;) { sent += 1; port.postMessage(message(sent)); }
    });
  },
};
