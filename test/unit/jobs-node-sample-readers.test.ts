/**
 * The jobs' mempool readers take the run's node sampler's `node.sample` events (one mempool sampler): max-rate's
 * BacklogSampler and the soak monitor, on a real event log.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunContext } from '../../src/runtime/contracts.js';
import { JsonlEventLog } from '../../src/runtime/event-log.js';
import { BacklogSampler, backlogSampleIntervalMs, drainMempools } from '../../src/jobs/step-meter.js';
import { SoakMonitor, soakNodeSampleIntervalMs } from '../../src/jobs/soak-monitor.js';
import { sleep } from '../../src/util/clock.js';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function eventLog(): { log: JsonlEventLog; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'loadnet-samples-'));
  dirs.push(dir);
  return { log: new JsonlEventLog(join(dir, 'events.jsonl')), dir };
}

const sample = (node: string, pending: number | null) => ({ node, up: pending !== null, height: 1, libHeight: 0, pending });

describe('BacklogSampler', () => {
  it('fits the trend to the node samples recorded between start and stop, skipping samples without a count', () => {
    const { log } = eventLog();
    // The event log stamps events with the monotonic clock: set it per sample.
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => clock - performance.timeOrigin);
    const at = (t: number, node: string, pending: number | null) => {
      clock = t;
      log.emit('node.sample', sample(node, pending));
    };
    const sampler = new BacklogSampler(log);
    at(0, 'a', 999_999); // before start: not read
    sampler.start();
    for (let t = 1000; t <= 11_000; t += 250) {
      // a: a sawtooth that keeps up (troughs at 0); b: 10 tx/s left behind per second.
      at(t, 'a', (t % 1000) / 10);
      at(t, 'b', ((t - 1000) / 1000) * 10 + (t % 1000) / 10);
    }
    at(11_100, 'b', null); // no answer: no point
    sampler.stop();
    at(11_200, 'a', 999_999); // after stop: not read
    const f = sampler.figures(1000, 11_500, 1000);
    expect(f.perNode.a).toEqual({ slopeTps: 0, samples: 41, last: 0 });
    expect(f.perNode.b!.samples).toBe(41);
    expect(f.perNode.b!.slopeTps).toBeCloseTo(10, 5);
    expect(f.slopeTps).toBeCloseTo(10, 5);
    expect(f.pendingAtEnd).toBe(100);
    log.close();
  });

  it('asks the node sampler for half a slot, from 100 to 500 ms', () => {
    expect([backlogSampleIntervalMs(100), backlogSampleIntervalMs(500), backlogSampleIntervalMs(1000), backlogSampleIntervalMs(4000)]).toEqual([100, 250, 500, 500]);
  });
});

describe('drainMempools', () => {
  it('waits for a sample taken after it began from every node at or under the threshold', async () => {
    const { log } = eventLog();
    log.emit('node.sample', sample('a', 0)); // before the wait: does not count
    const waiting = drainMempools(log, () => ['a', 'b'], 2, 5000, undefined, 10);
    log.emit('node.sample', sample('a', 1));
    log.emit('node.sample', sample('b', 40));
    await sleep(50);
    log.emit('node.sample', sample('b', null)); // no answer: not drained
    await sleep(50);
    log.emit('node.sample', sample('b', 2));
    const drained = await waiting;
    expect(drained).toMatchObject({ drained: true, pending: 2 });
    expect(drained.waitedMs).toBeGreaterThanOrEqual(90);
    log.close();
  });

  it('gives up at the bound with the fullest node\'s count', async () => {
    const { log } = eventLog();
    const waiting = drainMempools(log, () => ['a'], 0, 100, undefined, 10);
    log.emit('node.sample', sample('a', 30));
    expect(await waiting).toMatchObject({ drained: false, pending: 30 });
    log.close();
  });
});

describe('SoakMonitor', () => {
  it('records the latest node sample since its last row as the pending count, and none when no sample came', async () => {
    const { log, dir } = eventLog();
    const monitor = new SoakMonitor({ sampleIntervalMs: 300, checkpointIntervalMs: 60_000 });
    const summary: Record<string, unknown> = {};
    const ctx = {
      runDir: dir,
      events: log,
      nodes: () => [{ descriptor: { name: 'a' }, client: {} }],
      summary: { set: (k: string, v: unknown) => (summary[k] = v) },
      window: { startMs: 0, endMs: 0 },
    } as unknown as RunContext;
    const rowsFile = join(dir, 'soak', 'samples.jsonl');
    const rows = () => {
      try {
        return readFileSync(rowsFile, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { nodes: Record<string, { pending?: number }> });
      } catch {
        return [];
      }
    };
    const untilRows = async (n: number) => {
      for (let i = 0; i < 200 && rows().length < n; i++) await sleep(20);
      expect(rows().length).toBeGreaterThanOrEqual(n);
    };
    const stop = new AbortController();
    const running = monitor.workload().start(ctx, stop.signal);
    await untilRows(1);
    log.emit('node.sample', sample('a', 5));
    log.emit('node.sample', sample('a', 7));
    await untilRows(2);
    log.emit('node.sample', sample('a', null)); // no answer: not a count
    await untilRows(3);
    stop.abort();
    await running;
    expect(rows().slice(0, 3).map((r) => r.nodes.a!.pending)).toEqual([undefined, 7, undefined]);
    expect(monitor.figures(ctx).last['a.mempoolPending']).toBe(7);
    log.close();
  });

  it('asks the node sampler for two samples per row, at most every second', () => {
    expect([soakNodeSampleIntervalMs(500), soakNodeSampleIntervalMs(2500), soakNodeSampleIntervalMs(30_000)]).toEqual([250, 1000, 1000]);
  });
});
