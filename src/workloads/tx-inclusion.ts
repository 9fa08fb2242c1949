/**
 * TxInclusion, bundled with the transaction workload: every transaction a node accepted (matched by id) is
 * in a block by the end of the cooldown, or at least `threshold` of them. It judges the workload's
 * `load.outcome` record (written by TransactionWorkload.finish after the settle phase), never the live
 * workload: expectations/bundled.ts txInclusionCheck, the same judge `loadnet check` uses.
 */
import { txInclusionCheck, type TxInclusionOptions } from '../expectations/bundled.js';
import { RecordedExpectation } from '../expectations/recorded.js';
import type { RunContext } from '../runtime/contracts.js';

export class TxInclusion extends RecordedExpectation<TxInclusionOptions> {
  readonly name = 'tx-inclusion';

  constructor(private readonly workload: { readonly name: string }, threshold = 1) {
    super(txInclusionCheck, txInclusionCheck.options({ threshold }));
  }

  protected override async observeCapture(_ctx: RunContext): Promise<Record<string, unknown>> {
    return { workload: this.workload.name };
  }
}
