/**
 * The EVM's invalid-transaction fuzzer (ChainTxFuzzer, the `tx-fuzz` workload on `chain: { type: 'evm' }`).
 * Each case breaks one rule of a type-2 transfer the fuzzer's sender could otherwise send, and owes the
 * reject labels of outcome.ts (anvil's wordings mapped there; bench/RESULTS.md has what anvil 1.7.1 answers):
 *
 *   malformed          RLP that does not decode (a list header overrunning the bytes, random noise, no bytes)
 *   trailing_bytes     a valid transaction followed by junk: not one RLP item (anvil takes it: see RESULTS)
 *   unknown_type       a type-2 payload under an unassigned type byte (0x05–0x7d)
 *   bad_signature      r or s zero or ≥ n, r no curve point, y parity > 1, or r, s, y parity tampered: an
 *                      ECDSA signature that recovers some key names a stranger, refused for its empty balance
 *   high_s             the malleated twin (n − s, y parity flipped) of a valid signature: invalid by EIP-2
 *   nonce_too_low      below the sender's confirmed nonce
 *   nonce_gap          2^40 above it: a node may refuse it or hold it in its queue (anvil holds it): held is
 *                      expected, included never
 *   insufficient_funds from a key that holds nothing
 *   fee_too_low        max fee per gas below the base fee (and below 7 wei, where EIP-1559's base fee stops falling)
 *   tip_above_fee_cap  max priority fee above max fee
 *   gas_too_low        gas limit below the intrinsic 21,000
 *   gas_above_limit    gas limit above the block's
 *   too_large          a contract creation with init code over EIP-3860's 49,152 bytes
 *   wrong_chain        signed for another chain id
 *   duplicate          the same bytes again right after a valid original
 *   mutation           a valid transfer of the second wallet, then seeded: bit flips, truncation, two fields
 *                      swapped, or one field's bit flipped and re-signed
 *
 * A mutation may still be a valid transaction (a re-signed flip of the value is one). Before sending, the
 * fuzzer checks each against the rules itself (judge below: canonical decoding, chain id, EIP-2 signature,
 * a signer whose balance and nonce it read, intrinsic gas, block gas limit, fees against the base fee): one
 * it finds valid is marked so and counted apart (accepted valid, allowed in a block); every other crafted
 * transaction the node takes counts as accepted invalid, and its id (and the id the node answers with) must
 * never be in a block. A mutation whose verdict hangs on the base fee moving (max fee within a block's
 * change of it) is drawn again rather than sent.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { FuzzCaseName } from '../../scenario/spec.js';
import { flipDistinctBits } from '../../util/random.js';
import type { ChainTxFuzzer, CraftedFuzzTx, FuzzAnswer, FuzzCaseDef, TxFuzzInit, TxFuzzSession } from '../seam.js';
import type { EvmChainClient } from './client.js';
import { addressOf, fromHex, hex } from './keys.js';
import { classifyRpcError } from './outcome.js';
import { rlpDecode, rlpEncode, type RlpItem } from './rlp.js';
import { decodeEip1559, encodeSignedEip1559, recoverSender, signEip1559, type Eip1559Fields } from './tx.js';

const GWEI = 1_000_000_000n;
const N = secp256k1.Point.CURVE().n;
const MAX_INITCODE = 49_152;
/** Labels a mutation may be refused with: any rule it broke. */
const ANY_REJECT = ['malformed', 'bad_signature', 'insufficient_funds', 'wrong_chain_id', 'gas_too_low', 'gas_limit', 'fee_too_low', 'tip_above_fee_cap', 'nonce_too_low', 'nonce_gap', 'replacement_underpriced', 'too_large', 'unsupported_type'];

const CASES: readonly (FuzzCaseDef & { name: FuzzCaseName })[] = [
  { name: 'malformed', expected: ['malformed'] },
  { name: 'trailing_bytes', expected: ['malformed'] },
  { name: 'unknown_type', expected: ['unsupported_type', 'malformed'] },
  { name: 'bad_signature', expected: ['bad_signature', 'insufficient_funds', 'malformed'] },
  { name: 'high_s', expected: ['bad_signature'] },
  { name: 'nonce_too_low', expected: ['nonce_too_low'] },
  { name: 'nonce_gap', expected: ['nonce_gap'], mayBeHeld: true },
  { name: 'insufficient_funds', expected: ['insufficient_funds'] },
  { name: 'fee_too_low', expected: ['fee_too_low'] },
  { name: 'tip_above_fee_cap', expected: ['tip_above_fee_cap'] },
  { name: 'gas_too_low', expected: ['gas_too_low'] },
  { name: 'gas_above_limit', expected: ['gas_limit'] },
  { name: 'too_large', expected: ['too_large'] },
  { name: 'wrong_chain', expected: ['wrong_chain_id'] },
  { name: 'duplicate', expected: ['duplicate'] },
  { name: 'mutation', expected: ANY_REJECT },
];

export type EvmMutationKind = 'bit-flip' | 'truncate' | 'field-swap' | 're-sign';

/** What the judge reads from the chain: the known signers' state, the next base fee, the block gas limit. */
export interface JudgeState {
  chainId: bigint;
  accounts: ReadonlyMap<string, { nonce: bigint; balance: bigint }>;
  baseFee: bigint;
  blockGasLimit: bigint;
}

/** Intrinsic gas of a type-2 transaction without access list (EIP-2028 calldata, EIP-3860 init code, EIP-7623 floor). */
export function intrinsicGas(to: Uint8Array, data: Uint8Array): bigint {
  let zero = 0n;
  for (const b of data) if (b === 0) zero++;
  const nonZero = BigInt(data.length) - zero;
  let gas = 21_000n + 4n * zero + 16n * nonZero;
  if (to.length === 0) gas += 32_000n + 2n * ((BigInt(data.length) + 31n) / 32n);
  const floor = 21_000n + 10n * (zero + 4n * nonZero);
  return gas > floor ? gas : floor;
}

/**
 * Whether these bytes are a transaction the chain must take (from a signer whose state is known), one it
 * must refuse, or one whose fate hangs on the base fee moving ('uncertain': not sent).
 */
export function judge(bytes: Uint8Array, s: JudgeState): { verdict: 'valid' | 'invalid' | 'uncertain'; why: string } {
  let t;
  try {
    t = decodeEip1559(bytes);
  } catch (e) {
    return { verdict: 'invalid', why: `does not decode: ${(e as Error).message}` };
  }
  if (!t.accessListEmpty) return { verdict: 'invalid', why: 'an access list (not judged)' };
  if (t.chainId !== s.chainId) return { verdict: 'invalid', why: `chain id ${t.chainId}` };
  const who = recoverSender(t);
  if ('invalid' in who) return { verdict: 'invalid', why: who.invalid };
  const acct = s.accounts.get(who.address);
  if (!acct) return { verdict: 'invalid', why: `signer ${who.address} is a stranger (no funds)` };
  const gas = intrinsicGas(t.to, t.data);
  if (t.gasLimit < gas) return { verdict: 'invalid', why: `gas ${t.gasLimit} < intrinsic ${gas}` };
  if (t.gasLimit > s.blockGasLimit) return { verdict: 'invalid', why: `gas ${t.gasLimit} > block ${s.blockGasLimit}` };
  if (t.to.length === 0 && t.data.length > MAX_INITCODE) return { verdict: 'invalid', why: 'init code over EIP-3860' };
  if (t.maxPriorityFeePerGas > t.maxFeePerGas) return { verdict: 'invalid', why: 'tip above fee cap' };
  // The base fee moves by at most 1/8 a block: a cap this close to it could go either way by the time it lands.
  if (t.maxFeePerGas * 4n < s.baseFee * 3n) return { verdict: 'invalid', why: 'max fee below the base fee' };
  if (t.maxFeePerGas * 3n < s.baseFee * 4n) return { verdict: 'uncertain', why: 'max fee near the base fee' };
  const cost = t.gasLimit * t.maxFeePerGas + t.value;
  if (cost > acct.balance) return { verdict: 'invalid', why: 'cost above the balance' };
  if (cost * 10n > acct.balance * 9n) return { verdict: 'uncertain', why: 'cost near the balance' };
  if (t.nonce < acct.nonce) return { verdict: 'invalid', why: `nonce ${t.nonce} below ${acct.nonce}` };
  return { verdict: 'valid', why: t.nonce > acct.nonce ? 'valid (a future nonce: held until the gap fills)' : 'valid' };
}

interface Reply {
  id?: unknown;
  result?: unknown;
  error?: { message?: unknown };
}

class EvmFuzzSession implements TxFuzzSession {
  readonly notCrafted = new Map<string, string>();
  private readonly clients: EvmChainClient[];
  private readonly sender: Uint8Array;
  private readonly mutant: Uint8Array;
  private readonly senderAddress: string;
  private readonly mutantAddress: string;
  private state: JudgeState;
  private at = 0;
  private next = 0;
  private mutantNext = 0;
  private lastValidAt = 0;
  private strangers = 0;
  /** Mutations drawn again because their verdict hung on the base fee or the balance. */
  private redrawn = 0;
  private readonly mutationKinds: Record<string, number> = {};
  private readonly judgedValid: Record<string, number> = {};
  private readonly senderNonces = new WeakMap<CraftedFuzzTx, number>();

  constructor(
    init: TxFuzzInit,
    private readonly chainId: bigint,
    private readonly random: () => number,
    private readonly salt: string,
  ) {
    this.clients = init.clients as EvmChainClient[];
    this.sender = fromHex(init.sender.secret, 32, 'fuzz sender key');
    this.mutant = fromHex(init.second.secret, 32, 'fuzz mutation key');
    this.senderAddress = addressOf(this.sender);
    this.mutantAddress = addressOf(this.mutant);
    this.state = { chainId, accounts: new Map(), baseFee: GWEI, blockGasLimit: 30_000_000n };
  }

  private int(below: number): number {
    return Math.floor(this.random() * below);
  }

  private bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  async refresh(node: number, now: number): Promise<void> {
    if (now - this.at < 500) return;
    const q = (method: string, params: unknown[]) => ({ method, params });
    try {
      const r = await this.clients[node]!.rpc.batch([
        q('eth_getTransactionCount', [this.senderAddress, 'latest']),
        q('eth_getBalance', [this.senderAddress, 'latest']),
        q('eth_getTransactionCount', [this.mutantAddress, 'latest']),
        q('eth_getBalance', [this.mutantAddress, 'latest']),
        q('eth_getTransactionCount', [this.mutantAddress, 'pending']),
        q('eth_feeHistory', ['0x1', 'latest', []]),
        q('eth_getBlockByNumber', ['latest', false]),
      ]);
      if (r.some((x) => x.error)) return;
      const [sn, sb, mn, mb, mp, fh, blk] = r.map((x) => x.result) as [string, string, string, string, string, { baseFeePerGas: string[] }, { gasLimit: string }];
      const accounts = new Map([
        [this.senderAddress, { nonce: BigInt(sn), balance: BigInt(sb) }],
        [this.mutantAddress, { nonce: BigInt(mn), balance: BigInt(mb) }],
      ]);
      this.state = { chainId: this.chainId, accounts, baseFee: BigInt(fh.baseFeePerGas[fh.baseFeePerGas.length - 1]!), blockGasLimit: BigInt(blk.gasLimit) };
      this.next = Math.max(this.next, Number(sn));
      this.mutantNext = Math.max(this.mutantNext, Number(mp));
      this.at = now;
      if (this.state.baseFee === 0n) this.notCrafted.set('fee_too_low', 'the chain\'s base fee is 0: no max fee is below it');
    } catch {
      // the node may be busy: the previous state stands
    }
  }

  private senderNonce(): number {
    return Number(this.state.accounts.get(this.senderAddress)?.nonce ?? 0n);
  }

  /** A transfer of 1..1000 wei to a random address, with fees the chain takes now. */
  private fields(nonce: number, over: Partial<Eip1559Fields> = {}): Eip1559Fields {
    const tip = GWEI;
    return { chainId: this.chainId, nonce, maxPriorityFeePerGas: tip, maxFeePerGas: 2n * this.state.baseFee + tip, gasLimit: 21_000n, to: this.bytes(20), value: BigInt(1 + this.int(1000)), data: new Uint8Array(0), ...over };
  }

  private tx(c: string, bytes: Uint8Array, extra: Partial<CraftedFuzzTx> = {}): CraftedFuzzTx {
    return { case: c, bytes, id: hex(keccak_256(bytes)), ...extra };
  }

  private signed(c: string, f: Eip1559Fields, key = this.sender): CraftedFuzzTx {
    return this.fromSender(this.tx(c, signEip1559(f, key).bytes), key, f.nonce);
  }

  /** Note the sender's nonce a crafted transaction uses: if a node takes it anyway, that nonce is spent. */
  private fromSender(t: CraftedFuzzTx, key: Uint8Array, nonce: number): CraftedFuzzTx {
    if (key === this.sender) this.senderNonces.set(t, nonce);
    return t;
  }

  private stranger(): Uint8Array {
    return keccak_256(new TextEncoder().encode(`loadnet/fuzz/evm-stranger/${this.salt}/${this.strangers++}`));
  }

  async craft(cases: readonly string[], _node: number, now: number): Promise<CraftedFuzzTx[]> {
    const out: CraftedFuzzTx[] = [];
    if (now - this.lastValidAt >= 1000) {
      out.push(this.signed('valid', this.fields(this.next++)));
      this.lastValidAt = now;
    }
    const crafted: CraftedFuzzTx[][] = [];
    for (const c of cases as FuzzCaseName[]) {
      const made = this.one(c);
      if (made) crafted.push(made);
    }
    // Seeded shuffle: cases signed at the sender's next nonce compete for it when a node takes one; none always goes first.
    for (let i = crafted.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [crafted[i], crafted[j]] = [crafted[j]!, crafted[i]!];
    }
    return out.concat(...crafted);
  }

  private one(c: FuzzCaseName): CraftedFuzzTx[] | undefined {
    const n = this.next;
    switch (c) {
      case 'malformed': return [this.malformed()];
      case 'trailing_bytes': {
        const good = signEip1559(this.fields(n), this.sender).bytes;
        const junk = this.bytes(1 + this.int(8));
        return [this.fromSender(this.tx(c, Uint8Array.of(...good, ...junk), { variant: `${junk.length} bytes` }), this.sender, n)];
      }
      case 'unknown_type': {
        const good = signEip1559(this.fields(n), this.sender).bytes;
        const type = 0x05 + this.int(0x7e - 0x05);
        return [this.fromSender(this.tx(c, Uint8Array.of(type, ...good.subarray(1)), { variant: `0x${type.toString(16)}` }), this.sender, n)];
      }
      case 'bad_signature': return [this.badSignature(this.fields(n))];
      case 'high_s': {
        const f = this.fields(n);
        const t = decodeEip1559(signEip1559(f, this.sender).bytes);
        return [this.fromSender(this.tx(c, encodeSignedEip1559(f, 1n - t.yParity, t.r, N - t.s)), this.sender, n)];
      }
      case 'nonce_too_low': {
        const low = this.senderNonce();
        return low >= 1 ? [this.signed(c, this.fields(this.int(low)))] : undefined;
      }
      case 'nonce_gap': return [this.signed(c, this.fields(this.senderNonce() + 2 ** 40 + this.int(1e6)))];
      case 'insufficient_funds': return [this.signed(c, this.fields(0), this.stranger())];
      case 'fee_too_low': {
        const below = this.state.baseFee < 7n ? this.state.baseFee : 7n;
        return below > 0n ? [this.signed(c, this.fields(n, { maxFeePerGas: BigInt(this.int(Number(below))), maxPriorityFeePerGas: 0n }))] : undefined;
      }
      case 'tip_above_fee_cap': {
        const f = this.fields(n);
        return [this.signed(c, { ...f, maxPriorityFeePerGas: f.maxFeePerGas + 1n + BigInt(this.int(1e9)) })];
      }
      case 'gas_too_low': return [this.signed(c, this.fields(n, { gasLimit: BigInt(this.int(21_000)) }))];
      case 'gas_above_limit': return [this.signed(c, this.fields(n, { gasLimit: this.state.blockGasLimit + 1n + BigInt(this.int(1e6)) }))];
      case 'too_large': {
        const data = new Uint8Array(MAX_INITCODE + 1 + this.int(1000));
        return [this.signed(c, this.fields(n, { to: new Uint8Array(0), value: 0n, data, gasLimit: 1_000_000n }))];
      }
      case 'wrong_chain': return [this.signed(c, this.fields(n, { chainId: this.chainId + 1n + BigInt(this.int(1000)) }))];
      case 'duplicate': {
        const original = this.signed('valid', this.fields(this.next++));
        return [original, { ...original, case: 'duplicate' }];
      }
      case 'mutation': return this.mutation();
      default: return undefined;
    }
  }

  private malformed(): CraftedFuzzTx {
    const kind = (['overrun', 'noise', 'empty'] as const)[this.int(3)]!;
    if (kind === 'empty') return this.tx('malformed', new Uint8Array(0), { variant: kind });
    if (kind === 'noise') {
      // A list header claiming more than follows: never one RLP item, whatever the noise.
      const body = this.bytes(20 + this.int(100));
      return this.tx('malformed', Uint8Array.of(0x02, 0xf8, body.length + 1 + this.int(50), ...body), { variant: kind });
    }
    const good = signEip1559(this.fields(this.next), this.sender).bytes;
    return this.tx('malformed', good.subarray(0, 2 + this.int(good.length - 2)), { variant: kind });
  }

  private badSignature(f: Eip1559Fields): CraftedFuzzTx {
    const t = decodeEip1559(signEip1559(f, this.sender).bytes);
    const kind = (['r-zero', 's-zero', 'r-over-n', 'r-off-curve', 'y-parity', 'r-flip', 's-flip', 'y-flip'] as const)[this.int(8)]!;
    let [y, r, s] = [t.yParity, t.r, t.s];
    // Refused for the signature itself; the flips recover some other key (a stranger's: no funds) or none.
    let expected = ['bad_signature'];
    switch (kind) {
      case 'r-zero': r = 0n; break;
      case 's-zero': s = 0n; break;
      case 'r-over-n': r = N + BigInt(this.int(1e6)); break;
      case 'r-off-curve': r = offCurveX(BigInt(1 + this.int(1e6))); break;
      case 'y-parity': y = BigInt(2 + this.int(30)); expected = ['bad_signature', 'malformed']; break;
      case 'r-flip': r ^= 1n << BigInt(this.int(255)); expected = ['insufficient_funds', 'bad_signature']; break;
      case 's-flip': s ^= 1n << BigInt(this.int(255)); expected = ['insufficient_funds', 'bad_signature']; break;
      case 'y-flip': y = 1n - y; expected = ['insufficient_funds', 'bad_signature']; break;
    }
    return this.tx('bad_signature', encodeSignedEip1559(f, y, r, s), { variant: kind, expected });
  }

  /** A valid transfer of the second wallet, mutated; judged before sending; drawn again while uncertain. */
  private mutation(): CraftedFuzzTx[] | undefined {
    for (let attempt = 0; attempt < 8; attempt++) {
      const kind = (['bit-flip', 'truncate', 'field-swap', 're-sign'] as const)[this.int(4)]!;
      const bytes = this.mutate(kind);
      if (!bytes) continue;
      const j = judge(bytes, this.state);
      if (j.verdict === 'uncertain') {
        this.redrawn++;
        continue;
      }
      this.mutationKinds[kind] = (this.mutationKinds[kind] ?? 0) + 1;
      if (j.verdict === 'valid') this.judgedValid[kind] = (this.judgedValid[kind] ?? 0) + 1;
      return [this.tx('mutation', bytes, { variant: kind, ...(j.verdict === 'valid' ? { valid: true } : {}) })];
    }
    return undefined;
  }

  private mutate(kind: EvmMutationKind): Uint8Array | undefined {
    const f = this.fields(this.mutantNext);
    const original = signEip1559(f, this.mutant).bytes;
    if (kind === 'truncate') return original.slice(0, 1 + this.int(original.length - 1));
    if (kind === 'bit-flip') return flipDistinctBits(original, this.random);
    if (kind === 'field-swap') {
      const list = rlpDecode(original.subarray(1)) as RlpItem[];
      const a = this.int(12);
      const b = (a + 1 + this.int(11)) % 12;
      const [ea, eb] = [rlpEncode(list[a]!), rlpEncode(list[b]!)];
      if (ea.length === eb.length && ea.every((x, i) => x === eb[i])) return undefined; // equal fields: no change
      [list[a], list[b]] = [list[b]!, list[a]!];
      return Uint8Array.of(0x02, ...rlpEncode(list));
    }
    // re-sign: one bit of one signed field flipped, then signed again by its own key: often still valid.
    const field = (['chainId', 'nonce', 'maxPriorityFeePerGas', 'maxFeePerGas', 'gasLimit', 'to', 'value'] as const)[this.int(7)]!;
    const g = { ...f };
    if (field === 'to') {
      g.to = f.to.slice();
      const bit = this.int(160);
      g.to[bit >> 3]! ^= 1 << (bit & 7);
    } else if (field === 'nonce') {
      g.nonce = f.nonce ^ (1 << this.int(Math.max(8, Math.ceil(Math.log2(f.nonce + 2)) + 4)));
    } else {
      const v = f[field];
      g[field] = v ^ (1n << BigInt(this.int(v.toString(2).length + 8)));
    }
    return signEip1559(g, this.mutant).bytes;
  }

  async send(node: number, txs: readonly CraftedFuzzTx[]): Promise<FuzzAnswer[]> {
    const body = txs.map((t) => ({ method: 'eth_sendRawTransaction', params: [hex(t.bytes)] }));
    let replies: Reply[] | undefined;
    let error: unknown;
    try {
      replies = await this.clients[node]!.rpc.batch(body);
    } catch (e) {
      error = e;
    }
    const out: FuzzAnswer[] = txs.map((t, i) => {
      const r = replies?.[i];
      if (!r) return { tx: t, error };
      if (r.error) return { tx: t, result: classifyRpcError(String(r.error.message ?? '')).reason };
      if (typeof r.result !== 'string') return { tx: t, error: new Error('eth_sendRawTransaction: no hash in the answer') };
      return { tx: t, result: 'ok', ...(r.result.toLowerCase() !== t.id ? { nodeId: r.result.toLowerCase() } : {}) };
    });
    // A copy is a duplicate only of an original the node took; otherwise it is a second valid attempt.
    out.forEach((a, i) => {
      if (a.tx.case === 'duplicate' && out[i - 1]?.result !== 'ok') a.tx = { ...a.tx, case: 'valid' };
    });
    // A crafted one the node took anyway (accepted invalid) spent its nonce: the sender goes on after it.
    for (const a of out) {
      const nonce = this.senderNonces.get(a.tx);
      if (a.result === 'ok' && a.tx.case !== 'valid' && nonce !== undefined && nonce < 2 ** 40) this.next = Math.max(this.next, nonce + 1);
    }
    // A valid transfer of the sender that was refused leaves a nonce hole: start again from the chain's nonce.
    if (out.some((a) => a.tx.case === 'valid' && a.result !== 'ok')) {
      this.next = this.senderNonce();
      this.at = 0;
    }
    return out;
  }

  notes(): Record<string, unknown> {
    return { mutationKinds: { ...this.mutationKinds }, judgedValid: { ...this.judgedValid }, redrawn: this.redrawn, baseFeeWei: String(this.state.baseFee), blockGasLimit: String(this.state.blockGasLimit) };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** An x with no curve point (x³ + 7 not a square mod p), from `start` up: a signature r no key recovers from. */
function offCurveX(start: bigint): bigint {
  const p = secp256k1.Point.CURVE().p;
  const pow = (b: bigint, e: bigint): bigint => {
    let r = 1n;
    for (b %= p; e > 0n; e >>= 1n, b = (b * b) % p) if (e & 1n) r = (r * b) % p;
    return r;
  };
  for (let x = start; ; x++) if (pow((x * x * x + 7n) % p, (p - 1n) / 2n) !== 1n) return x;
}

/** The EVM chain's fuzzer for chain id `chainId`. */
export function evmTxFuzzer(chainId: number): ChainTxFuzzer {
  return {
    cases: CASES,
    start: async (init) => new EvmFuzzSession(init, BigInt(chainId), init.random, init.salt),
  };
}

export const EVM_FUZZ_CASES: readonly FuzzCaseName[] = CASES.map((c) => c.name);
