/**
 * The overload shed (defense `http-overload-shed`) against real devnet nodes (LocalDeployer) at the node's
 * default per-client budget (20,000 requests/s, which one flooder on 2 cores does not meet): the example's
 * forged flood (chain reads, block pages, unknown paths and 1 % batches of 8,192 forged signatures, 64
 * connections × the flooder's pipelining, from 127.0.0.3) at validator-0 for 10 s, then the same flood at
 * validator-1, whose shed alone is switched off (`defensesOff`). Each flood's control client (127.0.0.2) reads
 * the chain's info every 50 ms and submits 64 transfers every 500 ms. With the shed, validator-0 finds itself
 * overloaded, holds the flooder to a fair share (429) and the control client's p99 stays within the bound;
 * without it, validator-1 serves the flooder within its budget and the same bound fails, naming the numbers.
 */
import { describe, expect, it } from 'vitest';
import { LocalDeployer, type FloodReport } from 'loadnet';
import { forgedFloodTwice } from './helpers/forged-flood.js';
import { runsForFile } from './helpers/file-runs.js';
import { metricSum } from './helpers/node-metric.js';

const runs = runsForFile('loadnet-overload-shed-', (outDir) => new LocalDeployer({ outDir }));

describe('http-overload-shed on real nodes', () => {
  it('at the default budget the forged flood holds the control p99 bound at the node with the shed and fails it at the node with only the shed off', async () => {
    const scenario = forgedFloodTwice('overload-shed', { defensesOff: { defenses: ['http-overload-shed'], nodes: ['validator-1'] } });
    const handle = await runs.run(scenario);
    const floods = handle.summary.apiFlood as Record<string, FloodReport>;
    const byName = Object.fromEntries(handle.summary.expectations.map((e) => [e.name, e]));
    const shedOn = byName['api-flood:validator-0']!;
    const shedOff = byName['api-flood:validator-1']!;
    const read = (node: string, metric: string) => metricSum(handle.context.node(node).descriptor.apiUrl, metric, '127.0.0.4');
    const shed = { on: await read('validator-0', 'http_requests_shed_total'), off: await read('validator-1', 'http_requests_shed_total') };
    const overloaded = { on: await read('validator-0', 'http_overload_windows_total'), off: await read('validator-1', 'http_overload_windows_total') };
    console.log(JSON.stringify({ shed, overloaded, on: floods['validator-0']!.flood, off: floods['validator-1']!.flood }));

    // With the shed: the node was overloaded, shed the flooder, and its control client held the bound.
    expect(shedOn.status, shedOn.message).toBe('pass');
    expect(overloaded.on).toBeGreaterThan(0);
    expect(shed.on).toBeGreaterThan(0);
    expect(floods['validator-0']!.flood.s429).toBeGreaterThanOrEqual(shed.on);
    const control = floods['validator-0']!.control;
    expect(control.failed).toBe(0);
    expect(control.submits!.ok).toBe(control.submits!.batches);
    // Without it: nothing shed, and the same bound fails on the control client's p99.
    expect(shed.off).toBe(0);
    expect(shedOff.status).toBe('fail');
    expect(shedOff.message).toMatch(/^control client p99 [\d.]+ ms > 3000 ms(; \d+ of \d+ control requests failed)?(; .*)? — flood on validator-1: /);
  }, 90_000);
});
