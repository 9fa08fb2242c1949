/**
 * Invalid devnet transactions, crafted on purpose: one case per reject reason of the devnet's mempool
 * (src/node/mempool.ts checks, in this order: size, duplicate id, signature, nonce too low, nonce gap,
 * duplicate nonce, fee, funds, room), each built to pass every earlier check and fail exactly its own, plus
 * seeded mutations (bit flips, truncation, field swaps) of valid transactions. Pure: no I/O; the caller
 * supplies the account state it read from a node.
 */
import { toHex, type Hex } from '../util/bytes.js';
import { ed25519Backend, type SigningKey } from '../adapters/devnet/wire/ed25519.js';
import { sha256 } from '../util/hash.js';
import { flipDistinctBits } from '../util/random.js';
import { decodeTx, encodeTxBody, signTx, txIdOfMessage, txMessage, txToJson, MAX_INSCRIPTION_BYTES, MAX_OPS, MAX_TX_BYTES, type Operation, type SignedTransactionJson } from '../adapters/devnet/wire/tx.js';
import type { RejectReason } from '../adapters/devnet/wire/api.js';
import type { FuzzCaseName } from '../scenario/spec.js';

/** What the fuzzer sends: one case per devnet reject reason, `wrong_chain`, and mutations of valid transactions. */
export const FUZZ_CASES = ['malformed', 'bad_signature', 'nonce_too_low', 'nonce_gap', 'insufficient_funds', 'fee_too_low', 'mempool_full', 'duplicate', 'too_large', 'wrong_chain', 'mutation'] as const;
export type FuzzCase = (typeof FUZZ_CASES)[number];

/** Every case name of the built-in chains (what a scenario may ask for; its chain refuses those it cannot express). */
export const FUZZ_CASE_NAMES: readonly FuzzCaseName[] = [...FUZZ_CASES, 'gas_too_low', 'gas_above_limit', 'tip_above_fee_cap', 'unknown_type', 'high_s', 'trailing_bytes'];

/**
 * The answers the devnet owes each case. The devnet's transactions carry no chain id: a transaction signed
 * for another chain (another signing domain) fails the signature check. A mutation may break the framing
 * (malformed) or only what is signed (bad_signature).
 */
export const EXPECTED_REJECTS: Readonly<Record<FuzzCase, readonly RejectReason[]>> = {
  malformed: ['malformed'],
  bad_signature: ['bad_signature'],
  nonce_too_low: ['nonce_too_low'],
  nonce_gap: ['nonce_gap'],
  insufficient_funds: ['insufficient_funds'],
  fee_too_low: ['fee_too_low'],
  mempool_full: ['mempool_full'],
  duplicate: ['duplicate'],
  too_large: ['too_large'],
  wrong_chain: ['bad_signature'],
  mutation: ['malformed', 'bad_signature'],
};

/** Another chain's signing domain (the devnet signs over 'loadnet.devnet.tx.v1\0'). */
const FOREIGN_DOMAIN = new TextEncoder().encode('loadnet.othernet.tx.v1\0');

/** A crafted transaction: its bytes, the case, and its id when the bytes decode (what a block would hold). */
export interface CraftedTx {
  case: FuzzCase | 'valid';
  bytes: Uint8Array;
  id?: Hex;
  /**
   * The JSON form, for a transaction sent alone to /mempool/add/tx: a too_large one cannot travel in a binary
   * batch (the batch frame refuses an item over the size limit, failing the whole batch).
   */
  json?: SignedTransactionJson;
  /** Which kind of its case (a mutation kind; 'fill' for a mempool filler). */
  variant?: string;
}

export type MutationKind = 'bit-flip' | 'truncate' | 'field-swap';

/** Crafts cases from a funded key (the sender of valid-looking transactions) and a seeded random source. */
export class TxCrafter {
  private readonly backend = ed25519Backend('sodium');
  private strangers = 0;

  constructor(
    private readonly sender: SigningKey,
    private readonly random: () => number,
    /** Distinguishes this crafter's unfunded keys from another's (e.g. the run's seed). */
    private readonly keySalt: string,
    readonly minFee: number,
  ) {}

  private int(below: number): number {
    return Math.floor(this.random() * below);
  }

  private recipient(): Hex {
    return toHex(sha256(new TextEncoder().encode(`loadnet/fuzz/recipient/${this.keySalt}/${this.int(1e9)}`)));
  }

  /** A fresh key that holds nothing on chain (nonce 0, balance 0). */
  private stranger(): SigningKey {
    return this.backend.keyFromSeed(sha256(new TextEncoder().encode(`loadnet/fuzz/stranger/${this.keySalt}/${this.strangers++}`)));
  }

  /** A valid transfer from the sender (a random amount keeps every id unique). */
  valid(nonce: number, fee = this.minFee, key = this.sender): CraftedTx {
    const tx = signTx({ from: toHex(key.publicKey), nonce, fee, ops: [{ kind: 'transfer', to: this.recipient(), amount: 1 + this.int(1000) }] }, key);
    return { case: 'valid', bytes: tx.bytes, id: tx.id };
  }

  malformed(): CraftedTx {
    // Version 0 never decodes; the rest is noise of a plausible length.
    const bytes = new Uint8Array(40 + this.int(300));
    for (let i = 1; i < bytes.length; i++) bytes[i] = this.int(256);
    return { case: 'malformed', bytes };
  }

  badSignature(): CraftedTx {
    const t = this.valid(this.int(1e6));
    const bytes = t.bytes.slice();
    bytes[bytes.length - 1 - this.int(64)]! ^= 1 << this.int(8);
    return { case: 'bad_signature', bytes, id: t.id };
  }

  /** Needs the sender's account nonce ≥ 1 (something of it was included). */
  nonceTooLow(accountNonce: number): CraftedTx {
    return { ...this.valid(this.int(accountNonce)), case: 'nonce_too_low' };
  }

  /** Far beyond any pending run plus the largest allowed gap. */
  nonceGap(accountNonce: number): CraftedTx {
    return { ...this.valid(accountNonce + 2 ** 40 + this.int(1e6)), case: 'nonce_gap' };
  }

  /** From a key with no funds: nonce 0 is right, the fee is admissible, the transfer cannot be paid. */
  insufficientFunds(): CraftedTx {
    return { ...this.valid(0, this.minFee, this.stranger()), case: 'insufficient_funds' };
  }

  /** Needs a minimum fee ≥ 1. From a fresh key so no pending nonce of the sender comes first. */
  feeTooLow(): CraftedTx {
    return { ...this.valid(0, this.minFee - 1, this.stranger()), case: 'fee_too_low' };
  }

  /** A valid transaction followed by the same bytes: the second is the case. */
  duplicate(nonce: number, fee = this.minFee): [CraftedTx, CraftedTx] {
    const original = this.valid(nonce, fee);
    return [original, { ...original, case: 'duplicate' }];
  }

  /** Properly signed, over the largest transaction a node admits. */
  tooLarge(): CraftedTx {
    const ops: Operation[] = [];
    for (let i = 0; i < MAX_OPS; i++) ops.push({ kind: 'channel_inscribe', channel: this.recipient(), data: toHex(new Uint8Array(MAX_INSCRIPTION_BYTES).fill(i)) });
    const tx = signTx({ from: toHex(this.sender.publicKey), nonce: this.int(1e6), fee: this.minFee, ops }, this.sender);
    if (tx.bytes.length <= MAX_TX_BYTES) throw new Error(`too_large case is ${tx.bytes.length} bytes, not over ${MAX_TX_BYTES}`);
    return { case: 'too_large', bytes: tx.bytes, id: tx.id, json: txToJson(tx) };
  }

  /** A transfer the sender signed for another chain. */
  wrongChain(nonce: number): CraftedTx {
    const body = encodeTxBody({ from: toHex(this.sender.publicKey), nonce, fee: this.minFee, ops: [{ kind: 'transfer', to: this.recipient(), amount: 1 + this.int(1000) }] });
    const foreign = new Uint8Array(FOREIGN_DOMAIN.length + body.length);
    foreign.set(FOREIGN_DOMAIN, 0);
    foreign.set(body, FOREIGN_DOMAIN.length);
    const bytes = new Uint8Array(body.length + 64);
    bytes.set(body, 0);
    bytes.set(this.sender.sign(foreign), body.length);
    return { case: 'wrong_chain', bytes, id: txIdOfMessage(txMessage(body)) };
  }

  /** A valid transaction (never sent as is) with one seeded mutation. */
  mutation(kind: MutationKind = (['bit-flip', 'truncate', 'field-swap'] as const)[this.int(3)]!): CraftedTx & { mutation: MutationKind } {
    const original = this.valid(this.int(1e6)).bytes;
    let bytes: Uint8Array;
    if (kind === 'truncate') bytes = original.slice(0, 1 + this.int(original.length - 1));
    else if (kind === 'bit-flip') bytes = flipDistinctBits(original, this.random);
    else {
      // Swap sender and recipient (body offsets 1 and 52): well framed, signed by no one.
      bytes = original.slice();
      bytes.set(original.subarray(52, 84), 1);
      bytes.set(original.subarray(1, 33), 52);
    }
    return { case: 'mutation', mutation: kind, variant: kind, bytes, id: idIfDecodes(bytes) };
  }
}

/** The id a block would list for these bytes, when they decode at all. */
export function idIfDecodes(bytes: Uint8Array): Hex | undefined {
  try {
    return decodeTx(bytes).id;
  } catch {
    return undefined;
  }
}
