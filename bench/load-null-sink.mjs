// FAKE NODE for benches: a null sink in its own process. POST /mempool/add/txs answers 'ok' for every
// transaction of the batch at once; GET /ledger/account/:pk answers nonce 0. Prints its URL on stdout,
// and the transactions it received when sent SIGUSR2 ("count <n>"). Exits with its parent.
import { createServer } from 'node:http';

let received = 0;
const cache = new Map();
const answer = (n) => {
  let s = cache.get(n);
  if (!s) cache.set(n, (s = JSON.stringify({ results: new Array(n).fill('ok') })));
  return s;
};
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  if (req.method === 'GET' && req.url.startsWith('/ledger/account/')) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"balance":1000000000000,"nonce":0}');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const n = body.length >= 4 ? body.readUInt32LE(0) : 0;
    received += n;
    res.writeHead(200, { 'content-type': 'application/json' }).end(answer(n));
  });
});
// SINK_HOST: where to listen (default 127.0.0.1); SINK_URL_HOST: the host in the printed URL (bench/load-agents.ts: agents in namespaces).
const host = process.env.SINK_HOST ?? '127.0.0.1';
server.listen(0, host, () => console.log(`http://${process.env.SINK_URL_HOST ?? host}:${server.address().port}`));
process.on('message', (m) => {
  if (m === 'count') process.send({ received });
});
process.on('disconnect', () => process.exit(0));
