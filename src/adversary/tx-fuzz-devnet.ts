/**
 * The devnet's invalid-transaction fuzzer (ChainTxFuzzer): its cases (tx-fuzz-cases.ts) crafted from the run's
 * account state and submitted in binary batches (a too_large one alone as JSON). It also sends one valid
 * transfer per second from its sender (so nonce_too_low has an account nonce to be below).
 *
 * mempool_full is crafted by filling a node's mempool in one batch (maxCount transfers at the minimum fee from
 * the second wallet, the filler) followed by a few more from the same sender: a node admits a batch window
 * (512) without a turn of the event loop, so no block can make room between the fill and the probes. It needs
 * a small pool (`chain: { type: 'devnet', mempool: { maxCount: ≤ 500 } }`); fee_too_low needs
 * `mempool.minFee ≥ 1`. A case that cannot be crafted on this deployment is reported as not crafted, with why.
 *
 * Lives beside the workload rather than in the devnet adapter: its crafter is shared with the flooding peer,
 * and adapters do not import adversaries (lint boundaries); tx-fuzz.ts takes it for the devnet.
 */
import { devnetApi } from '../adapters/devnet/client.js';
import { devnetMempoolOptions } from '../adapters/devnet/options.js';
import { fromHex, type Hex } from '../util/bytes.js';
import { ed25519Backend, type SigningKey } from '../adapters/devnet/wire/ed25519.js';
import { encodeTxBatch } from '../adapters/devnet/wire/tx.js';
import type { NodeClient } from '../adapters/devnet/wire/node-client.js';
import type { ChainTxFuzzer, CraftedFuzzTx, FuzzAnswer, TxFuzzInit, TxFuzzSession } from '../adapters/seam.js';
import { EXPECTED_REJECTS, FUZZ_CASES, TxCrafter, type CraftedTx, type FuzzCase } from './tx-fuzz-cases.js';

/** Probes sent after a fill: each must find the pool full. */
const FULL_PROBES = 4;
/** A node admits this many transactions of one batch without yielding (src/node/node.ts BATCH_WINDOW). */
const ADMISSION_WINDOW = 512;

class DevnetFuzzSession implements TxFuzzSession {
  readonly notCrafted = new Map<string, string>();
  private readonly apis: NodeClient[];
  private readonly crafter: TxCrafter;
  private readonly filler: SigningKey;
  private readonly senderPk: Hex;
  private readonly fillerPk: Hex;
  private readonly maxCount: number;
  private account = { nonce: 0, at: 0 };
  private next = 0;
  private lastValidAt = 0;
  private lastFillAt = 0;
  /** The last fill: the filler nonce after it, and when. */
  private fill = { end: 0, at: 0 };
  /** mempool_full rounds that did not fill the pool (a filler refused for another reason): probes not counted. */
  voidFills = 0;

  constructor(private readonly init: TxFuzzInit) {
    this.apis = init.clients.map((c) => devnetApi(c, 'tx-fuzz'));
    const backend = ed25519Backend('sodium');
    const key = (secret: Hex) => backend.keyFromSeed(fromHex(secret, 32, 'wallet secret'));
    const sender = key(init.sender.secret);
    this.filler = key(init.second.secret);
    this.senderPk = Buffer.from(sender.publicKey).toString('hex');
    this.fillerPk = Buffer.from(this.filler.publicKey).toString('hex');
    const mempool = devnetMempoolOptions(init.scenario);
    const minFee = mempool.minFee ?? 0;
    this.maxCount = mempool.maxCount ?? 200_000;
    const maxNonceGap = mempool.maxNonceGap ?? 10_000;
    this.crafter = new TxCrafter(sender, init.random, init.salt, minFee);
    if (minFee < 1) this.notCrafted.set('fee_too_low', 'the mempool admits fee 0 (set chain mempool.minFee ≥ 1)');
    if (this.maxCount + FULL_PROBES > ADMISSION_WINDOW) this.notCrafted.set('mempool_full', `the mempool holds ${this.maxCount} transactions; the fuzzer fills it in one batch of at most ${ADMISSION_WINDOW - FULL_PROBES} (set chain mempool.maxCount ≤ ${ADMISSION_WINDOW - FULL_PROBES})`);
    else if (maxNonceGap < this.maxCount + FULL_PROBES) this.notCrafted.set('mempool_full', `the probes' nonces would exceed the nonce gap ${maxNonceGap} (set chain mempool.maxNonceGap ≥ ${this.maxCount + FULL_PROBES})`);
  }

  async refresh(node: number, now: number): Promise<void> {
    if (now - this.account.at < 500) return;
    try {
      const a = await this.apis[node]!.account(this.senderPk);
      this.account = { nonce: a.nonce, at: now };
      this.next = Math.max(this.next, a.nonce);
    } catch {
      // the node may be busy: the previous state stands
    }
  }

  async craft(cases: readonly string[], node: number, now: number): Promise<CraftedFuzzTx[]> {
    const c = this.crafter;
    const fee = c.minFee + 1;
    const batch: CraftedTx[] = [];
    if (now - this.lastValidAt >= 1000) {
      batch.push(c.valid(this.next++, fee));
      this.lastValidAt = now;
    }
    for (const name of cases as FuzzCase[]) {
      switch (name) {
        case 'malformed': batch.push(c.malformed()); break;
        case 'bad_signature': batch.push(c.badSignature()); break;
        case 'nonce_too_low':
          if (this.account.nonce >= 1) batch.push(c.nonceTooLow(this.account.nonce));
          break;
        case 'nonce_gap': batch.push(c.nonceGap(this.account.nonce)); break;
        case 'insufficient_funds': batch.push(c.insufficientFunds()); break;
        case 'fee_too_low': batch.push(c.feeTooLow()); break;
        case 'duplicate': batch.push(...c.duplicate(this.next++, fee)); break;
        case 'too_large': batch.push(c.tooLarge()); break;
        case 'wrong_chain': batch.push(c.wrongChain(this.next)); break;
        case 'mutation': batch.push(c.mutation()); break;
        case 'mempool_full':
          if (now - this.lastFillAt >= 2 * this.init.meanBlockIntervalMs) {
            this.lastFillAt = now;
            batch.push(...(await this.fillRound(this.apis[node]!, now)));
          }
          break;
      }
    }
    return batch;
  }

  /**
   * maxCount valid transfers at the minimum fee from the filler, then FULL_PROBES more: the pool is full for them.
   * Only once the node holds every earlier filler in its chain (none pending anywhere, so no block can move
   * the filler's nonce between the read and the admission).
   */
  private async fillRound(api: NodeClient, now: number): Promise<CraftedTx[]> {
    let nonce: number;
    try {
      nonce = (await api.account(this.fillerPk)).nonce;
    } catch {
      return [];
    }
    if (nonce < this.fill.end && now - this.fill.at < 10_000) return [];
    const c = this.crafter;
    const out: CraftedTx[] = [];
    for (let i = 0; i < this.maxCount; i++) out.push({ ...c.valid(nonce + i, c.minFee, this.filler), variant: 'fill' });
    for (let i = 0; i < FULL_PROBES; i++) out.push({ ...c.valid(nonce + this.maxCount + i, c.minFee, this.filler), case: 'mempool_full' });
    this.fill = { end: nonce + this.maxCount, at: now };
    return out;
  }

  async send(node: number, all: readonly CraftedFuzzTx[]): Promise<FuzzAnswer[]> {
    const api = this.apis[node]!;
    const txs = all as readonly CraftedTx[];
    const fills = txs.filter((t) => t.variant === 'fill' || t.case === 'mempool_full');
    const rest = txs.filter((t) => !fills.includes(t));
    const out: FuzzAnswer[] = [];
    // A sender transaction that was not admitted leaves a nonce hole: start again from the chain's nonce.
    if (!(await this.sendBatch(api, rest, out))) {
      this.next = this.account.nonce;
      this.account.at = 0;
    }
    if (fills.length > 0) await this.sendFill(api, fills, out);
    return out;
  }

  /** One batch (and the JSON-only cases one by one); returns whether every transaction meant to be valid was accepted. */
  private async sendBatch(api: NodeClient, txs: readonly CraftedTx[], out: FuzzAnswer[]): Promise<boolean> {
    for (const t of txs.filter((x) => x.json)) {
      try {
        out.push({ tx: t, result: (await api.submitTx(t.json!)).result });
      } catch (e) {
        out.push({ tx: t, error: e });
      }
    }
    const batch = txs.filter((t) => !t.json);
    if (batch.length === 0) return true;
    const { results, error } = await submitAnswers(api, batch);
    batch.forEach((t, i) => {
      // A copy is a duplicate only of an original the node took; otherwise it is a second valid attempt.
      if (t.case === 'duplicate' && results && results[i - 1] !== 'ok') out.push({ tx: { ...t, case: 'valid' }, result: results[i] });
      else out.push({ tx: t, result: results?.[i], error });
    });
    return batch.every((t, i) => t.case !== 'valid' || results?.[i] === 'ok');
  }

  /** A round where a filler was refused for another reason than a full pool did not fill it: its probes count as valid sends. */
  private async sendFill(api: NodeClient, txs: readonly CraftedTx[], out: FuzzAnswer[]): Promise<void> {
    const { results, error } = await submitAnswers(api, txs);
    const fillers = txs.filter((t) => t.case !== 'mempool_full').length;
    const filled = results !== undefined && results.slice(0, fillers).every((r) => r === 'ok' || r === 'mempool_full');
    if (results && !filled) this.voidFills++;
    txs.forEach((t, i) => {
      if (t.case === 'mempool_full' && results && !filled) out.push({ tx: { ...t, case: 'valid' }, result: results[i] });
      else out.push({ tx: t, result: results?.[i], error });
    });
  }

  notes(): Record<string, unknown> {
    return { voidFills: this.voidFills };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export const devnetTxFuzzer: ChainTxFuzzer = {
  cases: FUZZ_CASES.map((c) => ({ name: c, expected: EXPECTED_REJECTS[c] })),
  start: async (init) => new DevnetFuzzSession(init),
};

/** One batch to one node: its per-transaction answers, or the error that kept it from answering. */
async function submitAnswers(api: NodeClient, txs: readonly CraftedTx[]): Promise<{ results?: string[]; error?: unknown }> {
  try {
    return { results: (await api.submitBatch(encodeTxBatch(txs.map((t) => t.bytes)))).results };
  } catch (error) {
    return { error };
  }
}
