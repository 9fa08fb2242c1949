// Attacker process for the API tests and bench: posts N batches of `count` transactions with invalid
// signatures (copies of one signed template, each with another nonce) to a node at once, then prints
// a line 'ready' once the batches are built, then one JSON line: per batch the HTTP status, the time to answer and the count of each result.
// usage: node invalid-batch-client.mjs <apiUrl> <templateHex> <batches> <count>
import { Pool } from 'undici';

const [url, templateHex, batches, count] = process.argv.slice(2);
const template = Buffer.from(templateHex, 'hex');
function batch(tag) {
  const n = Number(count);
  const body = Buffer.alloc(4 + n * (4 + template.length));
  body.writeUInt32LE(n, 0);
  let o = 4;
  for (let i = 0; i < n; i++) {
    body.writeUInt32LE(template.length, o);
    template.copy(body, o + 4);
    body.writeUInt32LE(1000 + i, o + 4 + 33); // another nonce: another id, and the signature no longer matches
    body.writeUInt32LE(tag, o + 4 + 37);
    o += 4 + template.length;
  }
  return body;
}
const bodies = Array.from({ length: Number(batches) }, (_, i) => batch(i + 1));
process.stdout.write('ready\n');
const pool = new Pool(url, { connections: bodies.length, headersTimeout: 120_000, bodyTimeout: 120_000 });
const t0 = performance.now();
const out = await Promise.all(
  bodies.map(async (body) => {
    const res = await pool.request({ method: 'POST', path: '/mempool/add/txs', body, headers: { 'content-type': 'application/octet-stream' } });
    const text = await res.body.text();
    const ms = performance.now() - t0;
    const counts = {};
    if (res.statusCode === 200) for (const r of JSON.parse(text).results) counts[r] = (counts[r] ?? 0) + 1;
    return { status: res.statusCode, ms: Math.round(ms), counts, length: res.statusCode === 200 ? JSON.parse(text).results.length : 0 };
  }),
);
await pool.close();
process.stdout.write(JSON.stringify(out) + '\n');
