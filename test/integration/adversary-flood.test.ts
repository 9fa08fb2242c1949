/**
 * The API flood against real devnet nodes (LocalDeployer), 10,000 requests/s from this process: first at a
 * node with its defenses (a per-client budget of 50 requests/s), then the same flood, with the same bounds, at
 * a node whose defenses are switched off (`defensesOff`), 10 s each. The flood is chain reads, block pages and
 * (0.5 %) batches of 8,192 transactions with forged signatures; the control client reads the chain's info every 50 ms and submits
 * 64 valid transfers every 500 ms. The protected node answers the flood with 429s and its control client
 * stays within the p99 bound; the unprotected node serves the whole flood, its worker pool queues the forged
 * signatures ahead of the control client's transfers and its event loop the flood's requests ahead of the
 * info reads, and the same bound fails, naming the numbers.
 */
import { describe, expect, it } from 'vitest';
import { LocalDeployer, type FloodReport } from 'loadnet';
import { forgedFloodTwice } from './helpers/forged-flood.js';
import { runsForFile } from './helpers/file-runs.js';
import { expectLiveVerdicts, rejudge } from './helpers/rejudge.js';

const runs = runsForFile('loadnet-adversary-flood-', (outDir) => new LocalDeployer({ outDir }));

describe('api-flood on real nodes', () => {
  it('a protected node answers the flood with 429s and holds; the same flood fails the unprotected one on the control p99; a tight bound fails naming the numbers', async () => {
    // The rate this machine reaches is reported, not required here (minRateFraction 0): the ≥ 10,000/s runs
    // are measured by hand (bench/RESULTS.md). One bound for both. The protected node's control p99 was 0.6-4.5 s
    // at load 10-18 on 2 cores before each client got a share of the event loop's turn (http-client-turn-share),
    // 0.5-0.6 s after, at load 9 (bench/RESULTS.md, 2026-12-04). Against the
    // unprotected node 0.5 % of the requests are batches of 8,192 forged signatures, more than its verify
    // pool checks: the backlog grows through the 10 s flood, the control client's transfers queue behind it and
    // time out (10 s), and decoding the batches holds the event loop its info reads wait on (in 5 s floods its
    // p99 was 2.9-9.1 s, too close to the protected one's; over 10 s it reached the timeout).
    const scenario = forgedFloodTwice('adversary-flood', { api: { requestsPerSec: 50, requestBurst: 100 }, defensesOff: ['validator-1'] });
    const handle = await runs.run(scenario);
    const floods = handle.summary.apiFlood as Record<string, FloodReport>;
    const byName = Object.fromEntries(handle.summary.expectations.map((e) => [e.name, e]));
    const held = byName['api-flood:validator-0']!;
    const open = byName['api-flood:validator-1']!;
    const p = floods['validator-0']!.flood;
    const u = floods['validator-1']!.flood;
    expect(held.status, held.message).toBe('pass');
    // over its budget of 50/s the flooder is answered 429, its control client (another address) is not
    expect(p.s429, JSON.stringify(p)).toBeGreaterThan((p.s2xx + p.s4xx) * 2);
    const held0 = floods['validator-0']!.control;
    expect(held0.failed).toBe(0);
    // the control client's transfers went through the protected node's worker pool and were admitted
    expect(held0.submits!.ok).toBe(held0.submits!.batches);
    expect(held0.submits!.accepted).toBe(held0.submits!.transfers);
    expect(u.s429, JSON.stringify(u)).toBe(0);
    expect(u.s2xx + u.s4xx).toBeGreaterThan(0);
    expect(open.status).toBe('fail');
    // The same bound fails on the control client's p99 (control requests that timed out, if any, named next).
    expect(open.message).toMatch(/^control client p99 [\d.]+ ms > 3000 ms(; \d+ of \d+ control requests failed)?(; .*)? — flood on validator-1: \d+ requests at \d+\/s \(answered \d+\/s; 2xx \d+, 4xx \d+, 429 0, 5xx \d+, timeouts \d+, errors \d+\); control p99 [\d.]+ ms \(bound 3000\).*\(transfer batches: p99 [\d.]+ ms, \d+\/\d+ answered, \d+\/\d+ transfers accepted\)/);

    // Judged from the record: the saved run gets both live verdicts again, and the protected node's flood judged
    // with a control bound of half the p99 it measured fails, naming it.
    expectLiveVerdicts(handle.runDir, handle.summary);
    const p99 = floods['validator-0']!.control.latency.p99;
    expect(p99).toBeGreaterThan(0);
    const tight = rejudge(handle.runDir, [{ name: 'api-flood:validator-0', options: { controlP99Ms: p99 / 2 } }])['api-flood:validator-0']!;
    expect(tight.status).toBe('fail');
    expect(tight.message).toContain(`control client p99 ${p99} ms > ${p99 / 2} ms — flood on validator-0`);
  }, 120_000);
});
