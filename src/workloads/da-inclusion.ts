/**
 * DaInclusion, bundled with the DA workload: every planned channel was opened, every blob an executor
 * accepted has its certificate (channel_blob transaction) in a block, and the shares of those blobs can be
 * fetched from the validators (GET /da/share/:blob/:i for every share index, from a sample of blobs).
 */
import { devnetApi } from '../adapters/devnet/client.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Expectation, ExpectationResult, RunContext } from '../runtime/contracts.js';
import type { DaWorkload } from './da.js';

/** Blobs whose shares are fetched (every share index of each). */
const SHARE_SAMPLE = 20;

/** Share count per blob: the nodes' configured DA subnetworks (from the run directory), when readable. */
function subnetworksOf(ctx: RunContext): number | undefined {
  for (const n of ctx.nodes()) {
    try {
      const cfg = JSON.parse(readFileSync(join(ctx.runDir, 'nodes', n.descriptor.name, 'config.json'), 'utf8')) as { da?: { subnetworks?: number } };
      if (Number.isInteger(cfg.da?.subnetworks)) return cfg.da!.subnetworks;
    } catch {
      // not a local run directory: fall back to the shares the validators report
    }
  }
  return undefined;
}

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
    const expectedShares = subnetworksOf(ctx);
    let sharesChecked = 0;
    let sharesMissing = 0;
    for (const blob of sample) {
      const held = new Set<number>();
      const statuses = await Promise.allSettled(validators.map((v) => devnetApi(v.client, 'DA inclusion').daBlob(blob.blobId)));
      for (const st of statuses) if (st.status === 'fulfilled') for (const i of st.value.shares ?? []) held.add(i);
      const total = expectedShares ?? (held.size > 0 ? Math.max(...held) + 1 : 1);
      for (let i = 0; i < total; i++) {
        sharesChecked++;
        let got = false;
        for (const v of validators) {
          const share = await devnetApi(v.client, 'DA inclusion').daShare(blob.blobId, i).catch(() => null);
          if (share && typeof share.data === 'string' && share.data.length > 0) {
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
