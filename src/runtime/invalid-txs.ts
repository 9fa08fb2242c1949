/**
 * Transactions a chain must never include, and the one on-chain check that none was: the fuzzer's crafted
 * transactions, the API flood's forged-signature batches, the flooding peer's invalid and unfunded gossip.
 * A workload that sends them names their ids (SendsInvalidTxs); InvalidInclusionWatch looks up every
 * transaction id of every block the block feed sees, on any node, from capture to evaluation. The fuzzer's
 * own expectation and node-health both judge through it.
 */
import type { BlockFeed, FeedBlock } from './contracts.js';
import type { Hex } from '../util/bytes.js';

/** A workload that sends transactions the chain must never include. */
export interface SendsInvalidTxs {
  readonly name: string;
  /** What kind of invalid transaction `id` is (a fuzz case, `forged-signature`, …); undefined: not one this workload sent as invalid. */
  invalidTxKind(id: Hex): string | undefined;
  /** Distinct invalid ids recorded so far. */
  readonly invalidTxCount: number;
}

export function sendsInvalidTxs<T>(w: T): w is T & SendsInvalidTxs {
  return typeof (w as Partial<SendsInvalidTxs> | null)?.invalidTxKind === 'function';
}

/** An invalid transaction found in a block. */
export interface InvalidIncluded {
  id: Hex;
  kind: string;
  block: Hex;
  height: number;
}

export class InvalidInclusionWatch {
  private blocks = 0;
  private readonly found: InvalidIncluded[] = [];
  private unsubscribe?: () => void;

  /**
   * `kindOf` names an invalid id (undefined: a valid or unknown one); `onOther` sees every other id in a block
   * (the fuzzer counts its valid mutations there).
   */
  constructor(
    private readonly kindOf: (id: Hex) => string | undefined,
    private readonly onOther?: (id: Hex) => void,
  ) {}

  start(feed: BlockFeed): void {
    this.unsubscribe?.();
    this.unsubscribe = feed.subscribe({ onBlock: (b) => this.onBlock(b) });
  }

  private onBlock(b: FeedBlock): void {
    this.blocks++;
    for (const id of b.txIds) {
      const kind = this.kindOf(id);
      if (kind !== undefined) this.found.push({ id, kind, block: b.id, height: b.height });
      else this.onOther?.(id);
    }
  }

  /**
   * Poll every node once more, stop watching, and return the blocks checked and the invalid ids found in them:
   * only those still named invalid now (a sender may relabel one valid after the chain's answer).
   */
  async finish(feed: BlockFeed): Promise<{ blocksChecked: number; included: InvalidIncluded[] }> {
    await feed.refresh().catch(() => undefined);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    return { blocksChecked: this.blocks, included: this.found.filter((x) => this.kindOf(x.id) !== undefined) };
  }
}
