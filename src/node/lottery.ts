/**
 * The leader lottery (Ouroboros Praos style, with a deterministic signature standing in for a VRF):
 * for slot s a stakeholder signs LEADER_DOMAIN | epochNonce | s (u64 LE); its ticket is the first
 * 8 bytes of SHA-256(signature), read big-endian, as a fraction of 2^64; it leads iff
 * ticket < phi(stake) = 1 − (1 − f)^(stake / totalStake). ed25519 is deterministic, so the proof
 * is unique per (key, slot) and anyone can check it with the public key.
 */
import { fromHex, toHex, type Hex } from '../util/bytes.js';
import { sha256 } from '../util/hash.js';
import type { Ed25519Backend, SigningKey } from '../adapters/devnet/wire/ed25519.js';
import { stakeOf, type StakeTable } from './stake.js';

export const LEADER_DOMAIN = new TextEncoder().encode('loadnet.devnet.leader.v1\0');
const TWO_64 = 2 ** 64;

export function leaderMessage(epochNonce: Uint8Array, slot: number): Uint8Array {
  const m = new Uint8Array(LEADER_DOMAIN.length + epochNonce.length + 8);
  m.set(LEADER_DOMAIN, 0);
  m.set(epochNonce, LEADER_DOMAIN.length);
  const dv = new DataView(m.buffer);
  const o = LEADER_DOMAIN.length + epochNonce.length;
  dv.setUint32(o, slot % 0x1_0000_0000, true);
  dv.setUint32(o + 4, Math.floor(slot / 0x1_0000_0000), true);
  return m;
}

/** The ticket of a leader proof as a fraction in [0, 1). */
export function ticketOf(proof: Uint8Array): number {
  const h = sha256(proof);
  const dv = new DataView(h.buffer, h.byteOffset, 8);
  return (dv.getUint32(0, false) * 0x1_0000_0000 + dv.getUint32(4, false)) / TWO_64;
}

export function phi(activeSlotCoeff: number, stake: number, totalStake: number): number {
  if (stake <= 0 || totalStake <= 0) return 0;
  return 1 - Math.pow(1 - activeSlotCoeff, stake / totalStake);
}

/**
 * The stake distribution one slot's lottery uses (the chain's stakeFor: genesis plus the stake changes of the
 * branch that took effect by then, ./stake.ts).
 */
export class StakeDistribution {
  private readonly stakes = new Map<Hex, number>();
  readonly total: number;

  constructor(table: StakeTable, readonly activeSlotCoeff: number) {
    let total = 0;
    for (const [pk, e] of table) {
      const s = stakeOf(e);
      if (s <= 0) continue;
      this.stakes.set(pk, s);
      total += s;
    }
    this.total = total;
  }

  /** The validators and their stakes. */
  entries(): IterableIterator<[Hex, number]> {
    return this.stakes.entries();
  }

  stakeOf(pk: Hex): number {
    return this.stakes.get(pk) ?? 0;
  }

  isValidator(pk: Hex): boolean {
    return this.stakes.has(pk);
  }

  threshold(pk: Hex): number {
    return phi(this.activeSlotCoeff, this.stakeOf(pk), this.total);
  }
}

export class Lottery {
  private readonly nonce: Uint8Array;

  constructor(epochNonce: Hex, private readonly backend: Ed25519Backend) {
    this.nonce = fromHex(epochNonce, undefined, 'genesis.epochNonce');
  }

  /** The leader proof of `key` for `slot` under `stake` if it wins, else null. */
  tryLead(key: SigningKey, slot: number, stake: StakeDistribution): Hex | null {
    const pk = toHex(key.publicKey);
    const threshold = stake.threshold(pk);
    if (threshold <= 0) return null;
    const proof = key.sign(leaderMessage(this.nonce, slot));
    return ticketOf(proof) < threshold ? toHex(proof) : null;
  }

  /** Why a claimed leadership is invalid, or null when it is valid. */
  checkProof(proposer: Hex, slot: number, proof: Hex, stake: StakeDistribution): string | null {
    if (!stake.isValidator(proposer)) return `proposer is not a validator at slot ${slot}`;
    const sig = fromHex(proof, 64, 'leader_proof');
    if (!this.backend.verify(sig, leaderMessage(this.nonce, slot), fromHex(proposer, 32, 'proposer'))) return 'leader proof signature invalid';
    if (ticketOf(sig) >= stake.threshold(proposer)) return 'leader ticket does not win the slot';
    return null;
  }
}
