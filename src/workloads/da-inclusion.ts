/**
 * DaInclusion, bundled with the DA workload: every planned channel was opened, every blob an executor
 * accepted has its certificate (channel_blob transaction) in a block, and the shares of those blobs can be
 * fetched from the validators (every share index, from a sample of blobs; the count the run's nodes were
 * configured with, as the chain's adapter reads it from the run directory).
 */
import { chainOf } from '../adapters/registry.js';
import type { Expectation, ExpectationResult, RunContext } from '../runtime/contracts.js';
import { daOf, type DaWorkload } from './da.js';

/** Blobs whose shares are fetched (every share index of each). */
const SHARE_SAMPLE = 20;

export class DaInclusion implements Expectation {
  readonly name = 'da-inclusion';

  constructor(private readonly workload: DaWorkload) {}

  async evaluate(ctx: RunContext): Promise<ExpectationResult> {
    await ctx.blockFeed.refresh().catch(() => undefined);
    const r = await this.workload.publishSummary(true);
    if (!r) return { status: 'unknown', message: 'the DA workload did not run' };
    const s = r.summary as { channels: { planned: number; opened: number }; blobs: { accepted: number; errored: number; included: number; pending: number; dropped: number } };
    const problems: string[] = [];
    if (s.channels.opened < s.channels.planned) problems.push(`${s.channels.planned - s.channels.opened} of ${s.channels.planned} channels never opened`);
    if (s.blobs.accepted === 0) problems.push(`no blob was accepted (${s.blobs.errored} dispersal errors)`);
    if (s.blobs.included < s.blobs.accepted) problems.push(`${s.blobs.accepted - s.blobs.included} of ${s.blobs.accepted} accepted blobs not included (${s.blobs.pending} pending, ${s.blobs.dropped} dropped)`);

    // Shares: every index of a sample of blobs must be served by some validator.
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
    if (sharesMissing > 0) problems.push(`${sharesMissing} of ${sharesChecked} sampled shares not retrievable from any validator`);
    const figures = { ...r.summary, sharesChecked, sharesMissing, sampledBlobs: sample.length };
    const inc = r.outcome && r.outcome.included > 0 ? `; inclusion p50 ${r.outcome.inclusion.p50} ms, p99 ${r.outcome.inclusion.p99} ms` : '';
    if (problems.length > 0) return { status: 'fail', message: problems.join('; ') + inc, figures };
    return {
      status: 'pass',
      message: `${s.channels.opened} channels opened; ${s.blobs.included} of ${s.blobs.accepted} accepted blobs included; ${sharesChecked} shares of ${sample.length} blobs retrievable${inc}`,
      figures,
    };
  }
}
