import { describe, expect, it } from 'vitest';
import { TransactionWorkload } from '../../src/workloads/transactions.js';
import { DaWorkload } from '../../src/workloads/da.js';
import type { RunMetrics } from '../../src/runtime/contracts.js';
import type { ScenarioSpec, TransactionsWorkloadSpec } from '../../src/scenario/spec.js';
import { FigureAccumulator } from '../../src/load/figures.js';
import type { WorkerReport } from '../../src/load/protocol.js';
import { decodeHistogram, encodeHistogram, newHistogram, percentiles, recordMs, SampleCounts } from '../../src/load/histogram.js';

const metrics: RunMetrics = { durationMs: 10_000, cooldownMs: 5000, slotDurationMs: 1000, activeSlotCoeff: 0.5, securityParam: 3, meanBlockIntervalMs: 2000, expectedBlocks: 5 };
const scenario = { wallets: { count: 10, fundsPerWallet: 1 }, topology: { shape: 'star', validators: 2, executors: 0 } } as unknown as ScenarioSpec;
const tx = (o: Partial<TransactionsWorkloadSpec>): TransactionsWorkloadSpec => ({ type: 'transactions', rate: { kind: 'perBlock', perBlock: 5 }, users: 5, fee: 1, amount: 1, targets: 'round-robin', batch: 'auto', inclusionThreshold: 1, ...o });

describe('workload validation at build time', () => {
  it('names the field and what is allowed', () => {
    expect(() => new TransactionWorkload(tx({ users: 11 })).init(metrics, scenario)).toThrow(/transactions.users is 11 from wallet 0; allowed: 1 to the funded wallets left from there \(10\)/);
    expect(() => new TransactionWorkload(tx({ batch: 0 })).init(metrics, scenario)).toThrow(/transactions.batch is 0/);
    expect(() => new TransactionWorkload(tx({ rate: { kind: 'perSecond', perSecond: -5 } })).init(metrics, scenario)).toThrow(/rate.perSecond: -5; allowed/);
    expect(() => new TransactionWorkload(tx({})).init(metrics, scenario)).not.toThrow();
    expect(new TransactionWorkload(tx({})).expectations().map((e) => e.name)).toEqual(['tx-inclusion']);
    expect(() => new DaWorkload({ type: 'da', channels: 2, blobsPerBlock: 1, blobSizeBytes: { min: 10, max: 100 } }).init(metrics, scenario)).toThrow(/at least one executor/);
    expect(() => new DaWorkload({ type: 'da', channels: 2, blobsPerBlock: 1, blobSizeBytes: { min: 100, max: 10 } }).init(metrics, scenario)).toThrow(/blobSizeBytes/);
  });
});

const report = (o: Partial<WorkerReport>): WorkerReport => {
  const h = { at: [], counts: [] };
  return { type: 'report', workerIndex: 0, final: false, atMs: 0, sent: 0, accepted: 0, rejected: {}, errored: 0, late: {}, signed: 0, signingMs: 0, elu: 0.2, resyncs: 0, inFlight: 0, backlog: 0, submitCorrected: h, submitUncorrected: h, scheduleLag: h, acceptedIds: '', acceptedIntended: new Float64Array(0), dueCount: 0, ...o };
};

describe('generator-bound self-check', () => {

  it('within 2 % of the target is not generator-bound', () => {
    const f = new FigureAccumulator();
    f.add(report({ sent: 985, accepted: 985, dueCount: 985 }));
    expect(f.totals('t', 1000, 1000, 0, 1).generatorBound).toBe(false);
  });

  it('short of the target: the reason is what late transactions waited on, or CPU when workers were saturated', () => {
    const f = new FigureAccumulator();
    f.add(report({ sent: 500, accepted: 500, dueCount: 1000, late: { signing: 400, connections: 20 } }));
    const t = f.totals('t', 1000, 1000, 1, 1);
    expect(t).toMatchObject({ generatorBound: true, unsent: 500 });
    expect(t.generatorBoundReason).toMatch(/^signing \(pre-signed buffer ran dry\)/);
    const busy = new FigureAccumulator();
    busy.add(report({ sent: 500, dueCount: 1000, elu: 0.99, signingMs: 300, late: { connections: 400 } }));
    expect(busy.totals('t', 1000, 1000, 1, 1).generatorBoundReason).toMatch(/^event loop \(worker threads 99 % busy, 30 % signing\)/);
  });
});

describe('worker reports merged by the coordinator', () => {
  it('gives the percentiles the encoded histograms gave, per interval and for the run, from several workers', () => {
    let seed = 11;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const f = new FigureAccumulator();
    // The previous path, side by side: each worker's interval recorded into a histogram, encoded, decoded, added.
    const old = { corrected: newHistogram(64), uncorrected: newHistogram(64), lag: newHistogram(64) };
    for (let interval = 0; interval < 3; interval++) {
      const iv = { corrected: newHistogram(32), uncorrected: newHistogram(32), lag: newHistogram(32) };
      for (let worker = 0; worker < 3; worker++) {
        const samples = { corrected: new SampleCounts(), uncorrected: new SampleCounts(), lag: new SampleCounts() };
        const direct = { corrected: newHistogram(), uncorrected: newHistogram(), lag: newHistogram() };
        // Worker 2 is idle in interval 1 (an empty report); the others' spreads differ by worker and interval.
        const n = interval === 1 && worker === 2 ? 0 : 2000 + 1000 * worker;
        for (let i = 0; i < n; i++) {
          const lag = random() ** 6 * 40 * (worker + 1);
          const submit = 5 + random() ** 3 * 300 * (interval + 1) + lag;
          samples.corrected.recordMs(submit);
          recordMs(direct.corrected, submit);
          samples.lag.recordMs(lag);
          recordMs(direct.lag, lag);
          if (i % 100 === 0) {
            samples.uncorrected.recordMs(submit - lag, 100);
            recordMs(direct.uncorrected, submit - lag, 100);
          }
        }
        f.add(report({ workerIndex: worker, sent: n, submitCorrected: samples.corrected.take(), submitUncorrected: samples.uncorrected.take(), scheduleLag: samples.lag.take() }));
        for (const k of ['corrected', 'uncorrected', 'lag'] as const) {
          const decoded = decodeHistogram(encodeHistogram(direct[k]));
          if (decoded.totalCount === 0) continue;
          old[k].add(decoded);
          iv[k].add(decoded);
        }
      }
      const taken = f.takeInterval('t', 1000, 7000, 0, undefined);
      expect(taken.submitCorrected, `interval ${interval}`).toEqual(percentiles(iv.corrected));
      expect(taken.submitUncorrected).toEqual(percentiles(iv.uncorrected));
      expect(taken.scheduleLagP99Ms).toBe(percentiles(iv.lag).p99);
      expect(taken.hdr.submit).toBe(encodeHistogram(iv.corrected));
      expect(taken.hdr.inclusion).toBe(encodeHistogram(newHistogram(32)));
    }
    const t = f.totals('t', 3000, 21_000, 0, 3);
    expect(t.submitCorrected).toEqual(percentiles(old.corrected));
    expect(t.submitUncorrected).toEqual(percentiles(old.uncorrected));
    expect(t.scheduleLag).toEqual(percentiles(old.lag));
    expect(t.submitCorrected.count).toBe(3 * (2000 + 3000 + 4000) - 4000); // less worker 2's idle interval
  });
});
