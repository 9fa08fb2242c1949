/**
 * examples/propagation-race.ts and examples/mempool-divergence.ts, shortened, against real devnet nodes
 * (LocalDeployer), through the package build as `loadnet run` loads them. The race: 100 transfers to all 4
 * nodes, each included exactly once everywhere, state roots and touched accounts equal, duplicates answered;
 * the saved run re-judged from its record gets the live verdicts, and with an inclusion bound of 1 ms fails
 * naming the p99. The divergence: one node cut off while every node gets its own batch; after the heal every
 * transaction is in a block or pending everywhere within the window; re-judged with a 1 ms window it fails
 * naming the convergence time. The devnet's
 * mechanism itself (the mempool exchange) is shown on and off in node-mempool-exchange.test.ts, where no
 * block can blur it.
 */
import { describe, expect, it } from 'vitest';
import { LocalDeployer, scenarioWith } from 'loadnet';
import { propagationRace } from '../../examples/propagation-race.js';
import { mempoolDivergence } from '../../examples/mempool-divergence.js';
import { runsForFile } from './helpers/file-runs.js';
import { expectLiveVerdicts, observedOf, rejudge, rejudgeAltered } from './helpers/rejudge.js';

const runs = runsForFile('loadnet-adversary-races-', (outDir) => new LocalDeployer({ outDir }));

describe('races on real nodes', () => {
  it('propagation race: every transaction once on every node, equal state; a 1 ms inclusion bound fails naming the p99', async () => {
    const handle = await runs.run(scenarioWith(propagationRace(), { durationMs: 6000, cooldownMs: 2000 }));
    const real = handle.summary.expectations.find((e) => e.name === 'race-included-once');
    expect(real!.status, real!.message).toBe('pass');
    const f = real!.figures as { batch: number; answers: Record<string, { sent: number; accepted: number; duplicate: number; other: Record<string, number> }>; perNode: Record<string, { included: number; missing: number; twice: number }>; stateRoot: { height: number; distinct: number }; differingAccounts: number; inclusion: { count: number } };
    expect(f.batch).toBe(100);
    expect(Object.keys(f.perNode)).toHaveLength(4);
    for (const p of Object.values(f.perNode)) expect(p).toMatchObject({ included: 100, missing: 0, twice: 0 });
    for (const a of Object.values(f.answers)) expect(a.sent).toBe(100);
    // A copy is taken, or answered duplicate (the node had it, from gossip or its own copy), or nonce_too_low (it
    // was already in a block there): nothing else, no request lost.
    for (const a of Object.values(f.answers)) {
      expect(Object.keys(a.other).filter((k) => k !== 'nonce_too_low'), JSON.stringify(a)).toEqual([]);
      expect(a.accepted + a.duplicate + (a.other.nonce_too_low ?? 0)).toBe(100);
    }
    expect(Object.values(f.answers).reduce((s, a) => s + a.duplicate, 0)).toBeGreaterThan(0);
    expect(f.stateRoot.distinct).toBe(1);
    expect(f.stateRoot.height).toBeGreaterThan(0);
    expect(f.differingAccounts).toBe(0);
    expect(f.inclusion.count).toBe(100);
    for (const e of handle.summary.expectations) expect(e.status, `${e.name}: ${e.message}`).toBe('pass');

    expectLiveVerdicts(handle.runDir, handle.summary);
    const bound = rejudge(handle.runDir, [{ name: 'race-included-once', options: { maxInclusionMs: 1 } }])['race-included-once']!;
    expect(bound.status).toBe('fail');
    expect(bound.message).toMatch(/^inclusion p99 \d+ ms > bound 1 ms — /);
    const node = Object.keys(f.perNode)[0]!;
    const twice = rejudgeAltered(handle.runDir, (events) => {
      const seen = observedOf(events, 'race-included-once', 'evaluate') as { perNode: Record<string, { twice: number }>; firstTwice: Record<string, unknown> };
      seen.perNode[node]!.twice = 1;
      seen.firstTwice[node] = { id: 'cd'.repeat(32), heights: [5, 9] };
    })['race-included-once']!;
    expect(twice.status).toBe('fail');
    expect(twice.message).toContain(`${node} has 1 included more than once (e.g. cdcdcdcdcdcd at heights 5, 9)`);
  }, 90_000);

  it('mempool divergence: converges after the heal within the window; a 1 ms window fails naming the time', async () => {
    const handle = await runs.run(scenarioWith(mempoolDivergence(), { durationMs: 8000, cooldownMs: 3000 }));
    const real = handle.summary.expectations.find((e) => e.name === 'mempool-converged');
    expect(real!.status, real!.message).toBe('pass');
    const f = real!.figures as { transactions: number; convergenceMs: number; maxPairwiseDifference: number; divergenceEnd: { healedAt: number | null }; atEnd: { dropped: number; partial: number }; samples: unknown[] };
    expect(f.transactions).toBe(100);
    expect(f.divergenceEnd.healedAt, 'the divergence ended at the heal').not.toBeNull();
    expect(f.maxPairwiseDifference, 'the isolated node diverged').toBeGreaterThan(0);
    expect(f.atEnd).toMatchObject({ dropped: 0, partial: 0 });
    expect(f.samples.length).toBeGreaterThan(10);
    for (const e of handle.summary.expectations) expect(e.status, `${e.name}: ${e.message}`).toBe('pass');

    expectLiveVerdicts(handle.runDir, handle.summary);
    const bound = rejudge(handle.runDir, [{ name: 'mempool-converged', options: { windowMs: 1 } }])['mempool-converged']!;
    expect(bound.status).toBe('fail');
    expect(bound.message).toMatch(/^converged only \d+ ms after the divergence's end, window 1 ms \(at the window's end [1-9]\d* of 100 transactions not in a block or in every live node's mempool\)/);
  }, 90_000);
});
