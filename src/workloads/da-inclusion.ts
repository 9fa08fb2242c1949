/**
 * DaInclusion, bundled with the DA workload: every planned channel was opened, every blob an executor
 * accepted has its certificate (channel_blob transaction) in a block, and the shares of those blobs can be
 * fetched from the validators (every share index, from a sample of blobs; the count the run's nodes were
 * configured with, as the chain's adapter reads it from the run directory).
 * Judged by expectations/bundled.ts daInclusionCheck over the workload's `da.outcome` record and the shares
 * read at evaluation (recorded first), as `loadnet check` does.
 */
import { chainOf } from '../adapters/registry.js';
import { daInclusionCheck, type DaSharesObserved } from '../expectations/bundled.js';
import { RecordedExpectation } from '../expectations/recorded.js';
import type { RunContext } from '../runtime/contracts.js';
import { daOf, type DaWorkload } from './da.js';

/** Blobs whose shares are fetched (every share index of each). */
export const SHARE_SAMPLE = 20;

export class DaInclusion extends RecordedExpectation<Record<string, never>> {
  readonly name = 'da-inclusion';

  constructor(private readonly workload: DaWorkload) {
    super(daInclusionCheck, {});
  }

  protected override async observeCapture(_ctx: RunContext): Promise<Record<string, unknown>> {
    return { workload: this.workload.name };
  }

  /** Shares: every index of a sample of blobs must be served by some validator (read now, recorded, judged). */
  protected override async observeEvaluate(ctx: RunContext): Promise<Record<string, unknown>> {
    // Every stake holder holds shares: executors are validators too (src/node/da/shares.ts assignment).
    const validators = ctx.nodes().filter((n) => n.descriptor.role === 'validator' || n.descriptor.role === 'executor');
    const sample = this.workload.blobs.slice(0, SHARE_SAMPLE);
    const expectedShares = chainOf(ctx.scenario).daSharesPerBlob?.(ctx.runDir, ctx.nodes().map((n) => n.descriptor.name));
    let sharesChecked = 0;
    let sharesMissing = 0;
    for (const blob of sample) {
      const held = new Set<number>();
      const statuses = await Promise.allSettled(validators.map((v) => daOf(v.client, 'DA inclusion').heldShares(blob.blobId)));
      for (const st of statuses) if (st.status === 'fulfilled') for (const i of st.value) held.add(i);
      const total = expectedShares ?? (held.size > 0 ? Math.max(...held) + 1 : 1);
      for (let i = 0; i < total; i++) {
        sharesChecked++;
        let got = false;
        for (const v of validators) {
          if (await daOf(v.client, 'DA inclusion').hasShare(blob.blobId, i).catch(() => false)) {
            got = true;
            break;
          }
        }
        if (!got) sharesMissing++;
      }
    }
    const observed: DaSharesObserved = { sharesChecked, sharesMissing, sampledBlobs: sample.length };
    return { ...observed };
  }
}
