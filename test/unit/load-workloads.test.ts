import { describe, expect, it } from 'vitest';
import { TransactionWorkload } from '../../src/workloads/transactions.js';
import { DaWorkload } from '../../src/workloads/da.js';
import type { RunMetrics } from '../../src/runtime/contracts.js';
import type { ScenarioSpec, TransactionsWorkloadSpec } from '../../src/scenario/spec.js';
import { FigureAccumulator } from '../../src/load/figures.js';
import { encodeHistogram, newHistogram } from '../../src/load/histogram.js';
import type { WorkerReport } from '../../src/load/protocol.js';

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

describe('generator-bound self-check', () => {
  const report = (o: Partial<WorkerReport>): WorkerReport => {
    const h = encodeHistogram(newHistogram());
    return { type: 'report', workerIndex: 0, final: false, atMs: 0, sent: 0, accepted: 0, rejected: {}, errored: 0, late: {}, signed: 0, signingMs: 0, elu: 0.2, resyncs: 0, inFlight: 0, backlog: 0, submitCorrected: h, submitUncorrected: h, scheduleLag: h, acceptedIds: '', acceptedIntended: new Float64Array(0), dueCount: 0, ...o };
  };

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
