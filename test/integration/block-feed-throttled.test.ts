/**
 * The run's own reads against a node whose per-client budget is low (devnet `api.requestsPerSec`): on one machine
 * the block feed, the checkers and the sampler all share 127.0.0.1, so they are answered 429 with Retry-After.
 * The node client waits each 429 out as told and asks again: no block is lost, the run is judged on what the
 * chain did, and the waits are counted. Real node processes (LocalDeployer).
 */
import { describe, expect, it } from 'vitest';
import { Pool } from 'undici';
import { LocalDeployer, ScenarioBuilder } from 'loadnet';
import { runsForFile } from './helpers/file-runs.js';

const runs = runsForFile('loadnet-feed-throttled-', (outDir) => new LocalDeployer({ outDir }));

/** GET from another loopback address than the run's own clients (its own budget), raw text. */
async function readAs(url: string, path: string): Promise<string> {
  const pool = new Pool(url, { localAddress: '127.0.0.4' });
  try {
    const res = await pool.request({ method: 'GET', path });
    return await res.body.text();
  } finally {
    await pool.close();
  }
}

describe('block feed against a low per-client budget', () => {
  it('the run waits out 429s per Retry-After: every block of the chain seen, liveness judged, the 429s counted', async () => {
    const scenario = ScenarioBuilder.topology()
        .networkFull()
        .validators(2)
        .apply()
      .onChain({ type: 'devnet', api: { requestsPerSec: 4, requestBurst: 8 } })
      .slotDuration('500ms')
      .activeSlotCoeff(0.8)
      .securityParam(3)
      .expectConsensusLiveness()
      .withRunDuration('8s')
      .withCooldown('1s')
      .named('block-feed-throttled')
      .build();
    const handle = await runs.run(scenario);
    console.log('chain section:', JSON.stringify(handle.summary.chain).slice(0, 600));
    const node = handle.context.node('validator-0');
    const metrics = await readAs(node.descriptor.apiUrl, '/metrics');
    const over = Number(/^\w*http_requests_over_budget_total(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? NaN);
    const info = JSON.parse(await readAs(node.descriptor.apiUrl, '/cryptarchia/info')) as { height: number };
    console.log(`validator-0: ${over} requests answered 429, height ${info.height}`);
    expect(over, 'the budget of 4/s must have answered the run some 429s').toBeGreaterThan(0);
    expect(handle.summary.expectations.find((e) => e.name === 'consensus-liveness')?.status).toBe('pass');
    // Every height up to the end was seen (blocks seen, orphans aside), and no node was taken for down.
    const chain = handle.summary.chain as { blocksSeen: number; orphanedBlocks: number; endHeight: number; nodes: Record<string, { up: boolean }> };
    expect(chain.blocksSeen - chain.orphanedBlocks, JSON.stringify(chain).slice(0, 300)).toBeGreaterThanOrEqual(chain.endHeight);
    expect(Object.values(chain.nodes).every((n) => n.up)).toBe(true);
  }, 90_000);
});
