// The two ends of one peer link for bench/link-shaper.ts, in their own process (as nodes are): a sink that
// timestamps every whole message, and a sender that dials the address given on stdin and sends framed
// messages [u32 length][f64 send time][payload] at a paced rate. Prints one JSON result line per run.
import * as net from 'node:net';
import * as readline from 'node:readline';

const now = () => performance.timeOrigin + performance.now();
const lat = [];
let received = 0;
let bytes = 0;
const server = net.createServer((s) => {
  s.setNoDelay(true);
  let buf = Buffer.alloc(0);
  s.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    while (buf.length >= 12) {
      const len = buf.readUInt32LE(0);
      if (buf.length < 4 + len) break;
      lat.push(now() - buf.readDoubleLE(4));
      received++;
      bytes += 4 + len;
      buf = buf.subarray(4 + len);
    }
  });
  s.on('error', () => undefined);
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ sinkPort: server.address().port })));

const pct = (xs, p) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] : null);
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const job = JSON.parse(line);
  if (job.exit) process.exit(0);
  lat.length = 0;
  received = 0;
  bytes = 0;
  const sock = net.connect({ host: '127.0.0.1', port: job.port });
  sock.setNoDelay(true);
  await new Promise((r) => sock.once('connect', r));
  const size = job.size;
  const payload = Buffer.alloc(size, 7);
  const t0 = now();
  let sent = 0;
  const total = job.rate > 0 ? Math.round((job.rate * job.seconds)) : Infinity;
  // Paced in 1 ms ticks (bulk: as fast as the socket drains, for `seconds`).
  await new Promise((done) => {
    const tick = () => {
      const elapsed = now() - t0;
      if (elapsed >= job.seconds * 1000 || sent >= total) return done();
      const due = job.rate > 0 ? Math.floor((elapsed / 1000) * job.rate) : sent + 64;
      let ok = true;
      while (sent < due && ok) {
        const m = Buffer.allocUnsafe(12);
        m.writeUInt32LE(8 + size, 0);
        m.writeDoubleLE(now(), 4);
        ok = sock.write(Buffer.concat([m, payload]));
        sent++;
      }
      if (!ok) sock.once('drain', tick);
      else setTimeout(tick, 1);
    };
    tick();
  });
  const sendEnd = now();
  const deadline = sendEnd + 10_000;
  while (received < sent && now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const took = now() - t0;
  sock.destroy();
  lat.sort((a, b) => a - b);
  console.log(JSON.stringify({ sent, received, took, mbPerSec: bytes / 1e6 / (took / 1000), msgsPerSec: received / (took / 1000), p50: pct(lat, 0.5), p99: pct(lat, 0.99), max: lat[lat.length - 1] ?? null }));
});
