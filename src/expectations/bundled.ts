/**
 * The checks bundled with workloads (tx-inclusion with transactions, da-inclusion with DA, <chaos>-recovery
 * with chaos), as functions of the history: each workload records its outcome (`load.outcome`, `da.outcome`,
 * the chaos faults) and the live expectation in workloads/ judges that record through these checks, as
 * `loadnet check` does later.
 */
import type { ExpectationResult } from '../runtime/contracts.js';
import type { RunEventOf } from '../runtime/run-events.js';
import { checkNumber } from './common.js';
import type { HistoryCheck } from './recorded.js';

export interface TxInclusionOptions {
  /** Fraction of accepted transactions that must be included (default 1). */
  threshold: number;
}

function lastOutcome<K extends 'load.outcome' | 'da.outcome'>(events: readonly { kind: string }[], kind: K, workload: unknown): RunEventOf<K> | undefined {
  return events.filter((e): e is RunEventOf<K> => e.kind === kind && (e as { workload?: unknown }).workload === workload).at(-1);
}

export const txInclusionCheck: HistoryCheck<TxInclusionOptions> = {
  type: 'tx-inclusion',
  kinds: ['load.outcome'],
  options: (raw) => ({ threshold: checkNumber('tx-inclusion', 'threshold', raw.threshold ?? 1, 0, 1, 'a fraction from 0 to 1 (default 1)') }),
  judge(slice, { threshold }): ExpectationResult {
    const r = lastOutcome(slice.events, 'load.outcome', slice.capture.workload);
    if (!r) return { status: 'unknown', message: 'the transaction workload did not run (no load was generated)' };
    const outcome = r.outcome;
    if (!outcome) return { status: 'unknown', message: 'inclusion was not tracked (no block feed)' };
    const accepted = r.accepted;
    const ratio = accepted > 0 ? outcome.included / accepted : 0;
    const figures = {
      submitted: r.submitted,
      accepted,
      rejected: r.rejected,
      errored: r.errored,
      included: outcome.included,
      pending: outcome.pending,
      dropped: outcome.dropped,
      ratio: Math.round(ratio * 10_000) / 10_000,
      threshold,
      inclusion: outcome.inclusion,
      finality: outcome.finality,
      generatorBound: r.generatorBound,
    };
    const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
    const lat = outcome.included > 0 ? `; inclusion p50 ${outcome.inclusion.p50} ms, p99 ${outcome.inclusion.p99} ms` : '';
    if (accepted === 0) {
      return { status: 'fail', message: `no transaction was accepted (${r.submitted} submitted, ${r.rejectedTotal} rejected, ${r.errored} errored)`, figures };
    }
    const pass = ratio >= threshold;
    return {
      status: pass ? 'pass' : 'fail',
      message: `${outcome.included} of ${accepted} accepted transactions included (${pct(ratio)}, need ≥ ${pct(threshold)}); ${outcome.pending} still pending, ${outcome.dropped} dropped${lat}`,
      figures,
    };
  },
};

/** The DA shares fetched at evaluation (the chain's end state), as recorded. */
export interface DaSharesObserved {
  sharesChecked: number;
  sharesMissing: number;
  sampledBlobs: number;
}

export const daInclusionCheck: HistoryCheck<Record<string, never>> = {
  type: 'da-inclusion',
  kinds: ['da.outcome'],
  options: () => ({}),
  judge(slice): ExpectationResult {
    const r = lastOutcome(slice.events, 'da.outcome', slice.capture.workload);
    if (!r) return { status: 'unknown', message: 'the DA workload did not run' };
    const shares = slice.evaluate as unknown as DaSharesObserved;
    const { channels, blobs } = r;
    const problems: string[] = [];
    if (channels.opened < channels.planned) problems.push(`${channels.planned - channels.opened} of ${channels.planned} channels never opened`);
    if (blobs.accepted === 0) problems.push(`no blob was accepted (${blobs.errored} dispersal errors)`);
    if (blobs.included < blobs.accepted) problems.push(`${blobs.accepted - blobs.included} of ${blobs.accepted} accepted blobs not included (${blobs.pending} pending, ${blobs.dropped} dropped)`);
    if (shares.sharesMissing > 0) problems.push(`${shares.sharesMissing} of ${shares.sharesChecked} sampled shares not retrievable from any validator`);
    const figures = { ...r.summary, sharesChecked: shares.sharesChecked, sharesMissing: shares.sharesMissing, sampledBlobs: shares.sampledBlobs };
    const inc = r.inclusion && blobs.included > 0 ? `; inclusion p50 ${r.inclusion.p50} ms, p99 ${r.inclusion.p99} ms` : '';
    if (problems.length > 0) return { status: 'fail', message: problems.join('; ') + inc, figures };
    return {
      status: 'pass',
      message: `${channels.opened} channels opened; ${blobs.included} of ${blobs.accepted} accepted blobs included; ${shares.sharesChecked} shares of ${shares.sampledBlobs} blobs retrievable${inc}`,
      figures,
    };
  },
};

export interface ChaosRecoveryOptions {
  /** How long a node may take to be healthy and caught up after its fault's downtime. */
  recoveryTimeoutMs: number;
}

/** One chaos fault as recorded at evaluation. */
export interface RecordedFault {
  target: string;
  startedAt: number;
  /** Absent: not recovered within the run's bound. */
  recoveredAt?: number;
  error?: string;
}

export const chaosRecoveryCheck: HistoryCheck<ChaosRecoveryOptions> = {
  type: 'chaos-recovery',
  kinds: [],
  options: (raw) => ({ recoveryTimeoutMs: checkNumber('chaos-recovery', 'recoveryTimeoutMs', raw.recoveryTimeoutMs, 1, Number.MAX_SAFE_INTEGER, 'a positive number of milliseconds') }),
  judge(slice, o): ExpectationResult {
    const e = slice.evaluate as { faults: RecordedFault[]; action: string; minDelayMs: number; downtimeMs?: number };
    const liveBound = (slice.capture.options as ChaosRecoveryOptions | undefined)?.recoveryTimeoutMs;
    // The live run judged each fault against its own bound (the deadline it waited for); another bound
    // judges a recovered fault by how long it took past its downtime.
    const late = (f: RecordedFault) => o.recoveryTimeoutMs !== liveBound && f.recoveredAt! - f.startedAt - (e.downtimeMs ?? 0) > o.recoveryTimeoutMs;
    const failed = e.faults.filter((f) => f.recoveredAt === undefined || late(f));
    const times = e.faults.filter((f) => f.recoveredAt !== undefined).map((f) => f.recoveredAt! - f.startedAt);
    const slowest = times.length ? Math.round(Math.max(...times)) : 0;
    const figures = { faults: e.faults.length, recovered: e.faults.length - failed.length, slowestRecoveryMs: slowest, recoveryTimeoutMs: o.recoveryTimeoutMs };
    if (failed.length) {
      const why = (f: RecordedFault) => (f.recoveredAt === undefined ? (f.error ?? 'still down') : `recovered after ${Math.round(f.recoveredAt - f.startedAt)} ms`);
      return { status: 'fail', message: `${failed.length} of ${e.faults.length} faults did not recover within ${o.recoveryTimeoutMs} ms: ${failed.slice(0, 3).map((f) => `${f.target}: ${why(f)}`).join('; ')}`, figures };
    }
    if (e.faults.length === 0) return { status: 'fail', message: `no fault was injected (window too short for minDelay ${e.minDelayMs} ms, or every target was guarded)`, figures };
    return { status: 'pass', message: `${e.faults.length} ${e.action} faults, all recovered (slowest ${slowest} ms, bound ${o.recoveryTimeoutMs} ms)`, figures };
  },
};

export interface ConvergenceOptions {
  /** After the last heal, every live node on one chain within this many ms. */
  convergeWithinMs: number;
}

/** One fault injection as recorded at evaluation. */
export interface RecordedInjection {
  injectedAt: number;
  healedAt?: number;
  /** Absent: not on one chain within the bound the run measured with. */
  convergedMs?: number;
  /** Who was where when last probed. */
  convergence?: string;
  error?: string;
}

/**
 * Convergence after a fault's heals, over the injections recorded at evaluation. The run measured with its own
 * bound (`measuredWithinMs`): a bound at least as loose accepts what that measurement found; a tighter one
 * rejects a heal that took longer than it.
 */
export const convergenceCheck: HistoryCheck<ConvergenceOptions> = {
  type: 'convergence',
  kinds: [],
  options: (raw) => ({ convergeWithinMs: checkNumber('convergence', 'convergeWithinMs', raw.convergeWithinMs, 1, Number.MAX_SAFE_INTEGER, 'a positive number of milliseconds') }),
  judge(slice, { convergeWithinMs: bound }): ExpectationResult {
    const { fault, atMs, measuredWithinMs, injections: inj } = slice.evaluate as { fault: string; atMs: number; measuredWithinMs: number; injections: RecordedInjection[] };
    const within = (i: RecordedInjection) => i.convergedMs !== undefined && (bound >= measuredWithinMs || i.convergedMs <= bound);
    const times = inj.filter(within).map((i) => i.convergedMs!);
    const figures = { injections: inj.length, converged: times.length, slowestMs: times.length ? Math.max(...times) : undefined, lastMs: inj.at(-1)?.convergedMs, boundMs: bound };
    if (inj.length === 0) return { status: 'fail', message: `${fault} was never injected (atMs ${atMs} is past the run window?)`, figures };
    const failed = inj.filter((i) => i.error);
    if (failed.length) return { status: 'fail', message: `${failed.length} of ${inj.length} ${fault} injections failed: ${failed[0]!.error}`, figures };
    const last = inj.at(-1)!;
    if (!within(last)) {
      const held = last.healedAt !== undefined ? Math.round(last.healedAt - last.injectedAt) : undefined;
      const why = last.convergedMs !== undefined ? `on one chain only ${last.convergedMs} ms after it` : last.convergence;
      return { status: 'fail', message: `not on one chain within ${bound} ms after the ${fault} (held ${held} ms) healed: ${why}`, figures };
    }
    return { status: 'pass', message: `on one chain ${last.convergedMs} ms after the last heal (bound ${bound} ms; ${times.length} of ${inj.length} heals converged, slowest ${figures.slowestMs} ms)`, figures };
  },
};
