/**
 * Supply conserved and wallet balances verified (Jepsen's bank test as the model): one node's canonical
 * chain is replayed from genesis with the protocol's fee rule, then
 *  - the node's /ledger/supply equals genesis − burned ('burn') or genesis ('leader'), its `burned` equals the
 *    fees of the included transactions, and its total equals the replayed sum of balances;
 *  - every wallet's balance and nonce on the node equal what its included transactions imply.
 * The accounts and the chain are read at one tip (re-read if a block carrying transactions lands meanwhile).
 * The chain's part is behind the seam (the 'supply' capability): ChainClient.supply and ledgerBlocks, and the
 * adapter's ledgerGenesis (what the deployer funded).
 */
import type { ChainClient, LedgerBlock, LedgerGenesis, SupplyState } from '../adapters/seam.js';
import { chainOf } from '../adapters/registry.js';
import type { ExpectationResult, RunContext, RunNode, WalletAccount } from '../runtime/contracts.js';
import { RecordedExpectation, type HistoryCheck } from './recorded.js';
import { LoadnetError } from '../errors.js';
import { LedgerReplay, type FeeRule } from './ledger-replay.js';
import { firstAnswering, mapLimit, shortId } from './common.js';

export interface SupplyObservation {
  node: string;
  height: number;
  supply: SupplyState;
  /** Wallet address → account as the node reports it. */
  accounts: Pick<Map<string, { balance: number; nonce: number }>, 'get'>;
}

/** What judgeSupply reads of a replay (a LedgerReplay, or the one recorded in the history). */
export type ReplayedLedger = Pick<LedgerReplay, 'fees' | 'genesisSupply' | 'burned' | 'transactions' | 'blocks' | 'totalBalances'> & { staked?: number } & { accounts: Pick<LedgerReplay['accounts'], 'get'> };

/** The supply check's evaluation as recorded: what the node answered and what the replay implies, per wallet. */
interface RecordedSupply {
  replay: { fees: FeeRule; genesisSupply: number; burned: number; staked?: number; transactions: number; blocks: number; totalBalances: number; accounts: Record<string, { balance: number; nonce: number; sent: number }> };
  observed: { node: string; height: number; supply: SupplyState; accounts: Record<string, { balance: number; nonce: number }> };
  wallets: Array<{ index: number; address: string }>;
  replayedAtEvaluationFromHeight: number;
}

function recordSupply(replay: LedgerReplay, observed: SupplyObservation, wallets: readonly Pick<WalletAccount, 'index' | 'address'>[], fromHeight: number): RecordedSupply {
  const replayed: RecordedSupply['replay']['accounts'] = {};
  const answered: RecordedSupply['observed']['accounts'] = {};
  for (const w of wallets) {
    const r = replay.accounts.get(w.address);
    if (r) replayed[w.address] = { balance: r.balance, nonce: r.nonce, sent: r.sent };
    const o = observed.accounts.get(w.address);
    if (o) answered[w.address] = { balance: o.balance, nonce: o.nonce };
  }
  return {
    replay: { fees: replay.fees, genesisSupply: replay.genesisSupply, burned: replay.burned, staked: replay.staked, transactions: replay.transactions, blocks: replay.blocks, totalBalances: replay.totalBalances(), accounts: replayed },
    observed: { node: observed.node, height: observed.height, supply: observed.supply, accounts: answered },
    wallets: wallets.map((w) => ({ index: w.index, address: w.address })),
    replayedAtEvaluationFromHeight: fromHeight,
  };
}

/** Supply over the history: the node's answers and the replay, recorded at evaluation, judged again. */
export const supplyCheck: HistoryCheck<Record<string, never>> = {
  type: 'supply-conserved',
  kinds: [],
  options: () => ({}),
  judge(slice) {
    const r = slice.evaluate as unknown as RecordedSupply;
    const get = <V>(o: Record<string, V>) => ({ get: (k: string) => (Object.hasOwn(o, k) ? o[k] : undefined) });
    const replay: ReplayedLedger = { ...r.replay, totalBalances: () => r.replay.totalBalances, accounts: get(r.replay.accounts) };
    const verdict = judgeSupply(replay, { ...r.observed, accounts: get(r.observed.accounts) }, r.wallets);
    // How much was replayed at evaluation (the rest was replayed during the run).
    return { ...verdict, figures: { ...verdict.figures, replayedAtEvaluationFromHeight: r.replayedAtEvaluationFromHeight } };
  },
};

export type SupplyFigures = {
  node: string;
  height: number;
  feeRule: FeeRule;
  genesisSupply: number;
  total: number;
  burned: number;
  replayedBurned: number;
  replayedTotal: number;
  includedTxs: number;
  walletsChecked: number;
  sendingWallets: number;
  mismatchedWallets: number;
};

export function judgeSupply(replay: ReplayedLedger, observed: SupplyObservation, wallets: readonly Pick<WalletAccount, 'index' | 'address'>[]): ExpectationResult & { figures: SupplyFigures } {
  const s = observed.supply;
  const problems: string[] = [];
  // Stake bonded out of balances is still supply (devnet staking): balances + staked = genesis − burned.
  const staked = s.staked ?? 0;
  const replayedStaked = replay.staked ?? 0;
  const expectedTotal = (replay.fees === 'burn' ? replay.genesisSupply - replay.burned : replay.genesisSupply) - replayedStaked;
  if (s.genesis !== replay.genesisSupply) problems.push(`genesis supply ${s.genesis} on ${observed.node}, genesis config says ${replay.genesisSupply}`);
  if (s.total + staked !== s.genesis - s.burned) problems.push(`supply total ${s.total}${staked ? ` + staked ${staked}` : ''} ≠ genesis ${s.genesis} − burned ${s.burned} = ${s.genesis - s.burned}`);
  if (staked !== replayedStaked) problems.push(`staked ${staked}, but the included transactions bond ${replayedStaked}`);
  if (s.burned !== replay.burned) problems.push(`burned ${s.burned}, but the ${replay.transactions} included transactions carry ${replay.burned} in burned fees`);
  if (s.total !== expectedTotal) problems.push(`supply total ${s.total}, expected ${expectedTotal} (fees ${replay.fees})`);
  const replayedTotal = replay.totalBalances();
  if (replayedTotal !== expectedTotal) problems.push(`replayed balances sum to ${replayedTotal}, expected ${expectedTotal}`);
  const mismatches: string[] = [];
  let sending = 0;
  for (const w of wallets) {
    const want = replay.accounts.get(w.address) ?? { balance: 0, nonce: 0, sent: 0 };
    if (want.sent > 0) sending++;
    const got = observed.accounts.get(w.address);
    if (!got) {
      mismatches.push(`wallet ${w.index} (${shortId(w.address)}): no answer`);
    } else if (got.balance !== want.balance || got.nonce !== want.nonce) {
      mismatches.push(`wallet ${w.index} (${shortId(w.address)}): balance ${got.balance} nonce ${got.nonce}, its ${want.sent} included txs imply balance ${want.balance} nonce ${want.nonce}`);
    }
  }
  if (mismatches.length) problems.push(`${mismatches.length} of ${wallets.length} wallets disagree with the chain: ${mismatches.slice(0, 3).join('; ')}${mismatches.length > 3 ? '; …' : ''}`);
  const figures: SupplyFigures = {
    node: observed.node,
    height: observed.height,
    feeRule: replay.fees,
    genesisSupply: replay.genesisSupply,
    total: s.total,
    burned: s.burned,
    replayedBurned: replay.burned,
    replayedTotal,
    includedTxs: replay.transactions,
    walletsChecked: wallets.length,
    sendingWallets: sending,
    mismatchedWallets: mismatches.length,
  };
  if (problems.length) return { status: 'fail', message: `${problems.join('; ')} (at height ${observed.height} on ${observed.node})`, figures };
  return {
    status: 'pass',
    message: `supply ${s.total}${staked ? ` + staked ${staked}` : ''} = genesis ${s.genesis} − burned ${s.burned} (fees ${replay.fees}); ${wallets.length} wallets (${sending} sending, ${replay.transactions} included txs in ${replay.blocks} blocks) match the chain at height ${observed.height} on ${observed.node}`,
    figures,
  };
}

/** Genesis accounts and fee rule as the chain's adapter reads them from the run directory; else the wallets'. */
export async function genesisOf(ctx: Pick<RunContext, 'runDir' | 'wallets' | 'scenario'>, supply: SupplyState): Promise<LedgerGenesis> {
  const written = await chainOf(ctx.scenario).ledgerGenesis?.(ctx.runDir);
  return written ?? { accounts: ctx.wallets.map((w) => ({ address: w.address, balance: w.initialBalance })), fees: supply.burned > 0 ? 'burn' : 'leader' };
}

/** The client's supply and ledger blocks; a clear error on a chain without them. */
function ledgerOf(client: ChainClient): { supply(): Promise<SupplyState>; ledgerBlocks(from: number, to: number): Promise<LedgerBlock[]> } {
  if (client.supply && client.ledgerBlocks) return { supply: () => client.supply!(), ledgerBlocks: (from, to) => client.ledgerBlocks!(from, to) };
  throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `supply-conserved needs a chain with a supply and a replayable ledger; node ${client.name} has none`, { hint: 'remove expectSupplyConserved() from the scenario for this chain' });
}

/**
 * Read accounts, supply and the chain of one node at one tip, and replay the chain: from `base` (a replay of
 * final blocks kept up during the run) when the node's chain extends it, else from genesis. Retries when a
 * block carrying transactions landed while reading.
 */
export async function observeAndReplay(ctx: RunContext, node: RunNode, skip?: (txId: string) => boolean, base?: LedgerReplay): Promise<{ replay: LedgerReplay; observed: SupplyObservation; fromHeight: number }> {
  const c = node.client;
  const ledger = ledgerOf(c);
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await c.head();
    const supply = await ledger.supply();
    const list = await mapLimit(ctx.wallets, 16, async (w) => {
      const a = await c.account(w.address);
      return { balance: Number(a.balance), nonce: a.nonce };
    });
    const after = await c.head();
    let replay: LedgerReplay;
    if (base && base.lastHeight <= before.height) replay = base.clone();
    else {
      const genesis = await genesisOf(ctx, supply);
      replay = new LedgerReplay(genesis.accounts, genesis.fees);
    }
    const fromHeight = replay.lastHeight + 1;
    let changedMeanwhile = false;
    let broken = false;
    for (let from = fromHeight; from <= after.height && !broken; ) {
      const page = await ledger.ledgerBlocks(from, after.height);
      if (page.length === 0) throw new LoadnetError('LN_ERR_EXPECTATION', `${node.descriptor.name}: no blocks from height ${from} to ${after.height}`);
      for (const b of page) {
        if (b.height > before.height) {
          if (b.txs.length > 0) changedMeanwhile = true;
          continue;
        }
        if (!replay.extends(b)) {
          broken = true;
          break;
        }
        replay.applyBlock(b, skip);
      }
      from = page[page.length - 1]!.height + 1;
    }
    const usedBase = base !== undefined && fromHeight > 1;
    if (usedBase && (broken || (!changedMeanwhile && replay.lastId !== before.tip))) {
      base = undefined; // this node's chain does not extend the final replay: once more from genesis
      attempt--;
      continue;
    }
    if (changedMeanwhile || replay.lastId !== (before.height === 0 ? undefined : before.tip)) continue;
    return { replay, fromHeight, observed: { node: node.descriptor.name, height: before.height, supply, accounts: new Map(ctx.wallets.map((w, i) => [w.address, list[i]!])) } };
  }
  throw new LoadnetError('LN_ERR_EXPECTATION', `${node.descriptor.name}: the chain kept changing under the supply check (5 attempts)`);
}

/**
 * Keeps a replay of the final chain (heights ≤ LIB) up to date during the run, a page at a time, so the check
 * at evaluation only replays the last few blocks: its cost no longer grows with the run's length. Final blocks
 * never revert (safety checks that); if a node's chain does not extend the replay, it starts over from genesis.
 */
export class FinalChainReplayer {
  private state?: LedgerReplay;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly everyMs = 2000) {}

  start(ctx: RunContext): void {
    const tick = () => {
      if (this.running || ctx.signal.aborted) return;
      this.running = this.advance(ctx).catch(() => undefined).finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.everyMs);
    this.timer.unref();
    tick();
  }

  private async advance(ctx: RunContext): Promise<void> {
    const { node, value: head } = await firstAnswering(ctx, 'the final-chain replay', (n) => n.client.head());
    const api = ledgerOf(node.client);
    if (!this.state) {
      const genesis = await genesisOf(ctx, await api.supply());
      this.state = new LedgerReplay(genesis.accounts, genesis.fees);
    }
    const target = head.finalHeight;
    while (this.state.lastHeight < target && this.timer) {
      const page = await api.ledgerBlocks(this.state.lastHeight + 1, target);
      if (page.length === 0) return;
      const next = this.state.clone();
      for (const b of page) {
        if (b.height > target) break;
        if (!next.extends(b)) {
          this.state = undefined; // start over from genesis at the next tick
          return;
        }
        next.applyBlock(b);
      }
      this.state = next;
    }
  }

  /** Stop following; the replay of final blocks so far (undefined when none was made). */
  async stop(): Promise<LedgerReplay | undefined> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    return this.state;
  }
}

export class SupplyConserved extends RecordedExpectation<Record<string, never>> {
  readonly name = 'supply-conserved';

  private readonly follower = new FinalChainReplayer();

  /** No options: supply and balances are exact. */
  constructor(_options: Record<string, never> = {}) {
    super(supplyCheck, {});
  }

  protected override async observeCapture(ctx: RunContext): Promise<Record<string, unknown>> {
    this.follower.start(ctx);
    return {};
  }

  protected override async observeEvaluate(ctx: RunContext): Promise<Record<string, unknown>> {
    const base = await this.follower.stop();
    const { value } = await firstAnswering(ctx, 'the supply check', (n) => observeAndReplay(ctx, n, undefined, base));
    return { ...recordSupply(value.replay, value.observed, ctx.wallets, value.fromHeight) };
  }
}
