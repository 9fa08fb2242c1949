/**
 * What the block feed costs the nodes and the coordinator under load: the same 3 + 2 network (1 s slots)
 * with a transaction workload, followed side by side by two extra feeds, one per read mode:
 *   auto  : id lists tip->LIB for followed nodes, a full block only the first time any node shows it;
 *   range : canonical blocks by height from every node (what a feed without /cryptarchia/headers does).
 * Bytes are the JSON answers' sizes as received (re-serialised length), counted per feed.
 *
 *   npm run build && npx tsx bench/deploy-feed.ts [txPerSecond=1000] [seconds=20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevnetChainClient } from '../src/adapters/devnet/client.js';
import { ScenarioBuilder } from '../src/scenario/builder.js';
import { LocalDeployer } from '../src/deployers/local/index.js';
import { PollingBlockFeed } from '../src/runtime/block-feed.js';
import type { RunContext } from '../src/runtime/contracts.js';

const tps = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 20);

/** A devnet client that adds up the size of every JSON answer it reads (as decoded for the feed). */
class CountingClient extends DevnetChainClient {
  static bytes = new Map<string, number>();
  constructor(endpoint: ConstructorParameters<typeof DevnetChainClient>[0], opts: ConstructorParameters<typeof DevnetChainClient>[1], private readonly tag: string) {
    super(endpoint, opts);
  }
  private count<T>(p: Promise<T>): Promise<T> {
    return p.then((v) => {
      CountingClient.bytes.set(this.tag, (CountingClient.bytes.get(this.tag) ?? 0) + JSON.stringify(v).length);
      return v;
    });
  }
  override head() { return this.count(super.head()); }
  override ancestors(from: string, until?: 'final' | 'genesis') { return this.count(super.ancestors(from, until)); }
  override blocksByHeight(from: number, to: number) { return this.count(super.blocksByHeight(from, to)); }
  override block(id: string) { return this.count(super.block(id)); }
}

const feeds: Array<{ mode: 'auto' | 'range'; feed: PollingBlockFeed }> = [];
const scenario = ScenarioBuilder.topology().networkStar().validators(3).executors(2).apply()
  .wallets(500).transactions().ratePerSecond(tps).users(500).apply()
  .withExpectation({
    name: 'feed-observer',
    async startCapture(ctx: RunContext) {
      for (const mode of ['auto', 'range'] as const) {
        const feed = new PollingBlockFeed({
          nodes: () => ctx.nodes(),
          slotDurationMs: ctx.metrics.slotDurationMs,
          securityParam: ctx.metrics.securityParam,
          readMode: mode,
          clientFor: (n, timeoutMs) => new CountingClient({ name: n.descriptor.name, apiUrl: n.descriptor.apiUrl }, { timeoutMs, connections: 1 }, mode),
        });
        feed.start();
        feeds.push({ mode, feed });
      }
    },
    async evaluate() {
      return { status: 'pass', message: 'observer' };
    },
  })
  .withRunDuration(`${seconds}s`)
  .build();

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-bench-feed-'));
console.log(`loadavg before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
try {
  const runner = await new LocalDeployer({ outDir, reports: false }).deploy(scenario);
  const handle = await runner.run(scenario, { rejectOnFailure: false });
  for (const f of feeds) await f.feed.stop();
  const load = handle.summary.load as Record<string, unknown> | undefined;
  await handle.dispose();
  console.log(`loadavg after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`load: ${JSON.stringify(load).slice(0, 300)}`);
  console.log('\n| read mode | blocks emitted | range reads | id-list reads | single-block reads | JSON received |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const { mode, feed } of feeds) {
    const mb = (CountingClient.bytes.get(mode) ?? 0) / 1e6;
    console.log(`| ${mode} | ${feed.stats.blocks} | ${feed.reads.ranges} | ${feed.reads.headers} | ${feed.reads.blockBodies} | ${mb.toFixed(1)} MB |`);
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
