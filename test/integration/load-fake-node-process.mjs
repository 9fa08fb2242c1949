// FAKE NODE in its own process (test only): the null sink of load-fake-node.ts, out of the test's event loop
// so arrival times are not delayed by the coordinator or vitest. Prints its URL; over IPC answers
// {type:'between', from, to} with the transactions that arrived in [from, to) (Unix ms, performance clock),
// {type:'timeOf', n} with when the n-th transaction arrived and {type:'timesOf', ns} with that for each of ns.
import { createServer } from 'node:http';

const now = () => performance.timeOrigin + performance.now();
const arrivals = []; // [time, count]
let received = 0;
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const at = now();
  if (req.method === 'GET' && req.url.startsWith('/ledger/account/')) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"balance":1000000000000,"nonce":0}');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const n = body.length >= 4 ? body.readUInt32LE(0) : 0;
    received += n;
    arrivals.push([at, n]);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: new Array(n).fill('ok') }));
  });
});
server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${server.address().port}`));
/** When the n-th transaction arrived (batches in arrival order), for each n of ascending ns; null past the end. */
function timesOf(ns) {
  const out = [];
  let c = 0;
  let i = 0;
  for (const [at, n] of arrivals) {
    c += n;
    while (i < ns.length && ns[i] <= c) {
      out.push(at);
      i++;
    }
  }
  while (out.length < ns.length) out.push(null);
  return out;
}
process.on('message', (m) => {
  if (m.type === 'between') process.send({ count: arrivals.reduce((s, [t, n]) => (t >= m.from && t < m.to ? s + n : s), 0), received });
  if (m.type === 'timeOf') process.send({ at: timesOf([m.n])[0] });
  if (m.type === 'timesOf') process.send({ ats: timesOf(m.ns) });
});
process.on('disconnect', () => process.exit(0));
