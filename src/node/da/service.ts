/**
 * The devnet node's DA service. Executors disperse blobs; validators store shares, attest, and serve them.
 *
 * Wiring in the node core (src/node/node.ts), once P2P has started:
 *   this.da = createDaService({
 *     role: config.role, identity: this.key, backend: this.backend,
 *     validators: config.genesis.validators.map((v) => v.publicKey), subnetworks: config.da.subnetworks,
 *     dataDir: config.dataDir, network: this.p2p,
 *     submitLocal: (bytes) => this.submitTxBytes(bytes),          // admits + gossips; returns {result, error?}
 *     nextNonce: () => ledger nonce of this.publicKey + its transactions pending in the mempool,
 *     fee: config.mempool.minFee, channel: (id) => this.ledger.channels.get(id) ?? null, log: this.log,
 *   });
 *   P2P handler:      onDaShare: (bytes, from) => this.da.onShare(bytes, from)
 *   HTTP routes:      extraRoutes() { return daRoutes(this.da) }            (src/node/da/routes.ts)
 *   canonical change: this.da.onCanonicalChange(reverted, applied)        (inclusion heights; share repair)
 *   shutdown:         this.da.stop()                                       (optional: stops pending repairs)
 *
 * Dispersal (POST /disperse-data, executors): split the blob into `subnetworks` shares, send share s to the
 * validators of subnetwork s (sendDaShare connects on demand), verify every returned attestation, require at
 * least one per share, then put a channel_blob certificate signed by the executor into the local mempool.
 * Certificates are submitted in parent-chain order whatever the order requests arrive in (parent-order.ts);
 * dispersals run in parallel. A holder that missed a share fetches it from its subnetwork's other holders
 * once the certificate is on its chain (share-repair.ts).
 */
import type { DaBlobStatus, DaChannelJson, DaShareJson, DisperseRequest, DisperseResponse, SubmitResult } from '../../adapters/devnet/wire/api.js';
import { fromHex, toHex, type Hex } from '../../util/bytes.js';
import { fastestEd25519, type Ed25519Backend, type SigningKey } from '../../adapters/devnet/wire/ed25519.js';
import { sha256Hex } from '../../util/hash.js';
import { signTx, type Attestation, type Operation } from '../../adapters/devnet/wire/tx.js';
import type { NodeRole } from '../config.js';
import { ParentFailedError, ParentOrder } from './parent-order.js';
import { ShareRepair } from './share-repair.js';
import { ShareStore } from './share-store.js';
import { SHARE_KIND_FETCH, assignSubnetworks, decodeFetch, decodeShare, encodeShare, signAttestation, splitBlob, verifyAttestation, type ShareMessage } from './shares.js';

export type DaLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>) => void;

export interface DaServiceOptions {
  role: NodeRole;
  identity: SigningKey;
  backend?: Ed25519Backend;
  /** Public keys (hex) of the genesis validators (stake holders): the DA holders. */
  validators: Hex[];
  subnetworks: number;
  dataDir: string;
  network: { sendDaShare(peer: string, bytes: Uint8Array): Promise<Uint8Array | null> } | null;
  submitLocal(bytes: Uint8Array): { result: SubmitResult; error?: string };
  nextNonce(): number;
  fee: number;
  channel(id: Hex): { owner: Hex; lastMsg: Hex; blobs: number } | null;
  log?: DaLog;
  /** Largest blob accepted by POST /disperse-data (bytes of data). Default 4 MiB. */
  maxBlobBytes?: number;
  /** Memory bound of the share cache (all shares are also on disk). Default 64 MiB. */
  maxMemoryBytes?: number;
  /** Once every share has an attestation, how long to wait for the other holders' attestations. Default 300 ms. */
  attestationGraceMs?: number;
  /** How long a certificate waits for a parent this executor has not seen yet. Default 2 s. */
  parentWaitMs?: number;
}

/** A request the service refuses: `status` is the HTTP status the route answers with. */
export class DaRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const ZERO_ID = '0'.repeat(64);

function field(body: Record<string, unknown>, name: keyof DisperseRequest, hex64: boolean): Hex {
  const v = body[name];
  if (typeof v !== 'string' || (hex64 ? !HEX64.test(v) : !/^([0-9a-f]{2})*$/.test(v))) {
    throw new DaRequestError(400, `${name}: expected ${hex64 ? 'a 32-byte id as 64 lowercase hex chars' : 'lowercase hex bytes without 0x'}, got ${JSON.stringify(v)?.slice(0, 80)}`);
  }
  return v;
}

export class DaService {
  readonly store: ShareStore;
  readonly repair: ShareRepair;
  readonly holders: Hex[][];
  readonly myId: Hex;
  private readonly backend: Ed25519Backend;
  private readonly log: DaLog;
  private readonly maxBlobBytes: number;
  private readonly included = new Map<Hex, number>();
  private readonly order: ParentOrder;
  private readonly graceMs: number;
  /** Figures for /metrics and tests. */
  readonly counters = { dispersed: 0, disperseFailed: 0, sharesStored: 0, sharesRefused: 0 };
  // repair figures: this.repair.counters

  constructor(private readonly opts: DaServiceOptions) {
    this.backend = opts.backend ?? fastestEd25519();
    this.log = opts.log ?? (() => {});
    this.myId = toHex(opts.identity.publicKey);
    this.holders = assignSubnetworks(opts.validators, opts.subnetworks);
    this.store = new ShareStore(opts.dataDir, opts.maxMemoryBytes);
    this.repair = new ShareRepair(this.store, opts.network ? (peer, bytes) => opts.network!.sendDaShare(peer, bytes) : null, this.log);
    this.maxBlobBytes = opts.maxBlobBytes ?? 4 * 1024 * 1024;
    this.graceMs = opts.attestationGraceMs ?? 300;
    this.order = new ParentOrder((channel) => opts.channel(channel)?.lastMsg ?? null, opts.parentWaitMs);
  }

  /** POST /disperse-data. Throws DaRequestError (4xx for the caller's mistakes, 503 when validators did not attest). */
  async handleDisperse(body: unknown): Promise<DisperseResponse> {
    if (this.opts.role !== 'executor') throw new DaRequestError(403, 'this node is a validator; POST /disperse-data to an executor');
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new DaRequestError(400, 'body must be a JSON object {channel_id, parent_msg_id, signer, data}');
    const b = body as Record<string, unknown>;
    const channel = field(b, 'channel_id', true);
    const parent = field(b, 'parent_msg_id', true);
    field(b, 'signer', true);
    const dataHex = field(b, 'data', false);
    if (dataHex.length === 0) throw new DaRequestError(400, 'data: empty blob; allowed: 1 byte or more');
    if (dataHex.length / 2 > this.maxBlobBytes) throw new DaRequestError(413, `data: ${dataHex.length / 2} bytes, at most ${this.maxBlobBytes} allowed`);
    const data = fromHex(dataHex);
    const blobId = sha256Hex(data);
    // Submit in parent-chain order (see parent-order.ts); dispersals of a channel still run in parallel.
    const turn = this.order.turn(channel, parent);
    const done = this.order.begin(blobId);
    const dispersal = this.disperse(blobId, data);
    dispersal.catch(() => undefined); // reported below, after the parent's verdict (a failed parent explains more)
    const submit = turn.then(() => dispersal).then((attestations) => this.submitCertificate(blobId, data.length, channel, parent, attestations));
    submit.then(
      () => done(true),
      () => done(false),
    );
    return submit.catch((e) => {
      if (e instanceof ParentFailedError) throw new DaRequestError(409, `blob ${blobId}: ${e.message}`);
      throw e;
    });
  }

  /** Send every share to its subnetwork's validators; the verified attestations, one per validator. */
  private async disperse(blobId: Hex, data: Uint8Array): Promise<Attestation[]> {
    const shares = splitBlob(data, this.opts.subnetworks);
    const byValidator = new Map<Hex, Uint8Array>();
    const attested = shares.map(() => false);
    const failures: string[] = [];
    // Done when every holder answered, or `graceMs` after every share has an attestation: a validator that
    // is down (connect timeout 5 s) must not hold up a blob the others already certify.
    let allAttested: () => void = () => {};
    const covered = new Promise<void>((r) => (allAttested = r));
    const everyHolder = Promise.all(
      shares.map(async (share, index) => {
        const msg: ShareMessage = { blobId, index, total: shares.length, size: data.length, data: share };
        await Promise.all(
          this.holders[index]!.map(async (v) => {
            try {
              const sig = v === this.myId ? this.storeAndAttest(msg) : await this.opts.network?.sendDaShare(v, encodeShare(msg));
              if (!sig) return void failures.push(`${v.slice(0, 12)} refused share ${index}`);
              if (!verifyAttestation(this.backend, blobId, v, sig)) return void failures.push(`${v.slice(0, 12)} sent a bad attestation`);
              byValidator.set(v, sig);
              attested[index] = true;
              if (attested.every(Boolean)) allAttested();
            } catch (e) {
              failures.push(`${v.slice(0, 12)}: ${(e as Error).message}`);
            }
          }),
        );
      }),
    );
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([everyHolder, covered.then(() => new Promise<void>((r) => (graceTimer = setTimeout(r, this.graceMs))))]);
    clearTimeout(graceTimer);
    const missing = attested.flatMap((ok, i) => (ok ? [] : [i]));
    if (missing.length > 0) {
      this.counters.disperseFailed++;
      this.log('warn', 'dispersal failed', { blobId, missing, failures });
      throw new DaRequestError(503, `blob ${blobId}: no validator attested share(s) ${missing.join(', ')} of ${shares.length}: ${failures.join('; ')}`);
    }
    // A snapshot: attestations arriving after the grace period are not waited for.
    return [...byValidator].sort(([a], [b]) => (a < b ? -1 : 1)).map(([validator, sig]) => ({ validator, signature: toHex(sig) }));
  }

  private submitCertificate(blobId: Hex, size: number, channel: Hex, parent: Hex, attestations: Attestation[]): DisperseResponse {
    const op: Operation = { kind: 'channel_blob', blobId, size, channel, parent, attestations };
    const tx = signTx({ from: this.myId, nonce: this.opts.nextNonce(), fee: this.opts.fee, ops: [op] }, this.opts.identity);
    const out = this.opts.submitLocal(tx.bytes);
    if (out.result !== 'ok') {
      this.counters.disperseFailed++;
      throw new DaRequestError(out.result === 'mempool_full' ? 503 : 422, `blob ${blobId}: the certificate transaction was rejected by the mempool: ${out.result}${out.error ? ` (${out.error})` : ''}`);
    }
    this.counters.dispersed++;
    this.log('debug', 'blob dispersed', { blobId, size, channel, attestations: attestations.length, tx: tx.id });
    return { blob_id: blobId, tx_id: tx.id };
  }

  private storeAndAttest(m: ShareMessage): Uint8Array {
    this.store.put(m);
    this.counters.sharesStored++;
    return signAttestation(this.opts.identity, m.blobId);
  }

  /** P2P handler for a share sent by an executor: store it if this node holds that subnetwork, and attest. */
  onShare(bytes: Uint8Array, from: string): Uint8Array | null {
    if (bytes[0] === SHARE_KIND_FETCH) return this.serveFetch(bytes, from);
    let m: ShareMessage;
    try {
      m = decodeShare(bytes);
    } catch (e) {
      this.counters.sharesRefused++;
      this.log('warn', 'malformed DA share', { from: from.slice(0, 16), error: (e as Error).message });
      return null;
    }
    // Only block producers disperse: a share from any other identity is unsolicited (the caller scores its sender down).
    if (!this.opts.validators.includes(from)) {
      this.counters.sharesRefused++;
      this.log('debug', 'DA share from a peer that is not a block producer', { from: from.slice(0, 16), blobId: m.blobId });
      return null;
    }
    if (m.total !== this.opts.subnetworks || !this.holders[m.index]!.includes(this.myId)) {
      this.counters.sharesRefused++;
      this.log('warn', 'DA share not assigned to this node', { from: from.slice(0, 16), blobId: m.blobId, index: m.index, total: m.total });
      return null;
    }
    try {
      return this.storeAndAttest(m);
    } catch (e) {
      this.counters.sharesRefused++;
      this.log('error', 'could not store a DA share', { blobId: m.blobId, error: (e as Error).message });
      return null;
    }
  }

  /** Another holder repairing a share: the share as a store message, or null. */
  private serveFetch(bytes: Uint8Array, from: string): Uint8Array | null {
    try {
      const { blobId, index } = decodeFetch(bytes);
      const m = this.store.get(blobId, index);
      return m ? encodeShare(m) : null;
    } catch (e) {
      this.log('warn', 'malformed DA share fetch', { from: from.slice(0, 16), error: (e as Error).message });
      return null;
    }
  }

  /** GET /da/share/:blob/:i: null when this node does not hold it. */
  getShare(blobId: Hex, index: number): DaShareJson | null {
    const m = this.store.get(blobId, index);
    return m ? { blob_id: blobId, index, data: toHex(m.data) } : null;
  }

  /** GET /da/blob/:blob. */
  blobStatus(blobId: Hex): DaBlobStatus {
    return { blob_id: blobId, shares: this.store.indexes(blobId), included_height: this.included.get(blobId) ?? null };
  }

  /** GET /da/channel/:id. */
  channelStatus(id: Hex): DaChannelJson | null {
    const c = this.opts.channel(id);
    return c ? { channel_id: id, owner: c.owner, last_msg: c.lastMsg || ZERO_ID, blobs: c.blobs } : null;
  }

  /** Track which height included each certificate (reverted blocks first, then applied ones). */
  onCanonicalChange(reverted: readonly IncludingBlock[], applied: readonly IncludingBlock[]): void {
    for (const b of reverted) for (const id of blobIds(b)) this.included.delete(id);
    for (const b of applied) {
      for (const tx of b.txs) {
        for (const op of tx.ops) {
          if (op.kind !== 'channel_blob') continue;
          this.included.set(op.blobId, b.header.height);
          this.repairMissing(op);
        }
      }
    }
  }

  /** Queue repairs of the shares of a certified blob this node should hold and does not. */
  private repairMissing(op: { blobId: Hex; size: number; attestations: readonly Attestation[] }): void {
    const attested = new Set(op.attestations.map((a) => a.validator));
    for (let s = 0; s < this.holders.length; s++) {
      const holders = this.holders[s]!;
      if (!holders.includes(this.myId)) continue;
      const others = holders.filter((h) => h !== this.myId);
      const sources = [...others.filter((h) => attested.has(h)), ...others.filter((h) => !attested.has(h))];
      this.repair.want({ blobId: op.blobId, index: s, total: this.holders.length, size: op.size, sources });
    }
  }

  stop(): void {
    this.repair.stop();
  }
}

/** The part of a block the DA service reads. */
export interface IncludingBlock {
  header: { height: number };
  txs: ReadonlyArray<{ ops: readonly Operation[] }>;
}

function blobIds(b: IncludingBlock): Hex[] {
  const out: Hex[] = [];
  for (const tx of b.txs) for (const op of tx.ops) if (op.kind === 'channel_blob') out.push(op.blobId);
  return out;
}

export function createDaService(opts: DaServiceOptions): DaService {
  return new DaService(opts);
}
