/**
 * Gossip duplicate suppression: what each peer is known to have, per message hash.
 *
 * Every connection holds a slot (0..30); an entry keeps two bitmasks of slots: peers that sent us the
 * message and peers we sent it to. Broadcasting skips peers that already have it; a message from a peer
 * that already sent it to us is a true duplicate (an honest peer never repeats itself on a connection),
 * while one merely crossing our own copy on the wire is not. Bounded by count and age; a freed slot is
 * quarantined for the age bound so stale bits never describe a new peer.
 */
export interface SeenEntry {
  /** Bitmask of slots that sent us this message. */
  recv: number;
  /** Bitmask of slots we sent it to. */
  sent: number;
  at: number;
}

export const MAX_SLOTS = 31;

export class SeenCache {
  private readonly map = new Map<string, SeenEntry>();
  /**
   * Keys in insertion order, for eviction. Iterating the Map itself from the front would be quadratic:
   * V8 skips the deleted slots at its head on every iteration until the table is rehashed (measured:
   * half of all gossip CPU before this queue).
   */
  private order: string[] = [];
  private head = 0;
  private readonly freeSlots: number[] = [];
  private readonly quarantined: Array<{ slot: number; until: number }> = [];

  constructor(
    private readonly maxEntries: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {
    for (let i = 0; i < MAX_SLOTS; i++) this.freeSlots.push(i);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): SeenEntry | undefined {
    return this.map.get(key);
  }

  /** The entry for key, created (and the cache trimmed) when new; `created` tells which. */
  touch(key: string): { entry: SeenEntry; created: boolean } {
    const e = this.map.get(key);
    if (e) return { entry: e, created: false };
    const t = this.now();
    this.trim(t);
    const entry = { recv: 0, sent: 0, at: t };
    this.map.set(key, entry);
    this.order.push(key);
    return { entry, created: true };
  }

  /** A slot for a new connection, or -1 when all are taken (that peer is then untracked: always sent to, never flagged). */
  allocSlot(): number {
    const t = this.now();
    while (this.quarantined.length > 0 && this.quarantined[0]!.until <= t) this.freeSlots.push(this.quarantined.shift()!.slot);
    return this.freeSlots.shift() ?? -1;
  }

  freeSlot(slot: number): void {
    if (slot >= 0) this.quarantined.push({ slot, until: this.now() + this.maxAgeMs });
  }

  private trim(t: number): void {
    while (this.head < this.order.length) {
      const k = this.order[this.head]!;
      const e = this.map.get(k)!;
      if (this.map.size < this.maxEntries && t - e.at < this.maxAgeMs) break;
      this.map.delete(k);
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }
}

export const bit = (slot: number): number => (slot >= 0 ? 1 << slot : 0);
