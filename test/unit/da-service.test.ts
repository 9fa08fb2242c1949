/**
 * DA split/assign/attest logic and the DA service. Validators are real DaService instances; the P2P hop
 * between them is a direct function call (a stand-in for the network, which has its own tests), with
 * shares encoded and decoded exactly as on the wire.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveKeyPair } from '../../src/adapters/devnet/wire/keys.js';
import { fastestEd25519 } from '../../src/adapters/devnet/wire/ed25519.js';
import { sha256Hex } from '../../src/util/hash.js';
import { toHex } from '../../src/util/bytes.js';
import { decodeTx, type ChannelBlobOp } from '../../src/adapters/devnet/wire/tx.js';
import type { SubmitResult } from '../../src/adapters/devnet/wire/api.js';
import { TxVerifier } from '../../src/node/tx-verifier.js';
import { assignSubnetworks, decodeShare, encodeShare, joinShares, shareLength, splitBlob } from '../../src/node/da/shares.js';
import { DaService, createDaService, type DaServiceOptions } from '../../src/node/da/service.js';

const dirs: string[] = [];
/** Shares still on their way (a slow peer holds one 3 s): a late one would write into a removed data directory and recreate it. */
const inFlight = new Set<Promise<unknown>>();
afterEach(async () => {
  await Promise.allSettled([...inFlight]);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('split and assign', () => {
  it('splits into subnetworks shares that join back, with the documented lengths', () => {
    for (const [size, total] of [[1, 1], [10, 3], [100, 7], [5, 8], [4096, 16]] as const) {
      const data = new Uint8Array(size).map((_, i) => i * 7);
      const shares = splitBlob(data, total);
      expect(shares.length).toBe(total);
      shares.forEach((s, i) => expect(s.length).toBe(shareLength(size, total, i)));
      expect(Buffer.from(joinShares(shares)).equals(Buffer.from(data))).toBe(true);
    }
    expect(() => splitBlob(new Uint8Array(3), 0)).toThrow(/da.subnetworks/);
  });

  it('assigns validators sorted by id, index % subnetworks, at least one holder each', () => {
    const v = ['cc', 'aa', 'dd', 'bb', 'ee'].map((x) => x.repeat(32));
    const h = assignSubnetworks(v, 2);
    expect(h).toEqual([['aa', 'cc', 'ee'].map((x) => x.repeat(32)), ['bb', 'dd'].map((x) => x.repeat(32))]);
    // Fewer validators than subnetworks: every subnetwork still has a holder.
    const h2 = assignSubnetworks(v.slice(0, 2), 5);
    expect(h2.every((x) => x.length === 1)).toBe(true);
    expect(h2.map((x) => x[0]!.slice(0, 2))).toEqual(['aa', 'cc', 'aa', 'cc', 'aa']);
  });

  it('share messages round-trip and reject inconsistent lengths', () => {
    const m = { blobId: 'ab'.repeat(32), index: 2, total: 3, size: 10, data: new Uint8Array(2).fill(1) };
    expect(decodeShare(encodeShare(m))).toEqual(m);
    expect(() => decodeShare(encodeShare({ ...m, data: new Uint8Array(3) }))).toThrow(/must be 2 bytes/);
    expect(() => decodeShare(encodeShare({ ...m, index: 3 }))).toThrow(/index 3 of 3/);
    expect(() => decodeShare(new Uint8Array([1, 2, 3]))).toThrow();
  });
});

interface Cluster {
  executor: DaService;
  validators: Map<string, DaService>;
  submitted: Uint8Array[];
  verifier: TxVerifier;
  refuse: Set<string>;
  /** Validators that answer only after 3 s (a node that is down: connect timeout). */
  slow: Set<string>;
}

function cluster(nValidators: number, subnetworks: number, opts: { submit?: SubmitResult } = {}): Cluster {
  const keys = Array.from({ length: nValidators }, (_, i) => deriveKeyPair('da-unit', 'validator', i).key);
  const exec = deriveKeyPair('da-unit', 'executor', 0).key;
  // The executor is a stake holder too (as plan.ts deploys it).
  const ids = [...keys, exec].map((k) => toHex(k.publicKey));
  const validators = new Map<string, DaService>();
  const refuse = new Set<string>();
  const slow = new Set<string>();
  const submitted: Uint8Array[] = [];
  const verifier = new TxVerifier(fastestEd25519(), (pk) => ids.includes(pk));
  let nonce = 0;
  const base = (role: 'validator' | 'executor', identity: typeof exec): DaServiceOptions => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadnet-da-unit-'));
    dirs.push(dataDir);
    return {
      role,
      identity,
      validators: ids,
      subnetworks,
      dataDir,
      // Stand-in for P2PNetwork.sendDaShare: bytes go through the validator's onShare as they would on the wire.
      network: {
        sendDaShare: (peer, bytes) => {
          const delivery = (async () => {
            if (refuse.has(peer)) throw new Error('peer is not connected');
            if (slow.has(peer)) await new Promise((r) => setTimeout(r, 3_000));
            return validators.get(peer)!.onShare(new Uint8Array(bytes), toHex(identity.publicKey));
          })();
          inFlight.add(delivery);
          void delivery.finally(() => inFlight.delete(delivery)).catch(() => undefined);
          return delivery;
        },
      },
      submitLocal: (bytes) => {
        if (opts.submit && opts.submit !== 'ok') return { result: opts.submit, error: 'test' };
        submitted.push(bytes);
        nonce++;
        return { result: 'ok' };
      },
      nextNonce: () => nonce,
      fee: 1,
      channel: (id) => (id === 'c1'.repeat(32) ? { owner: ids[0]!, lastMsg: '0'.repeat(64), blobs: 0 } : null),
    };
  };
  for (const k of keys) validators.set(toHex(k.publicKey), createDaService(base('validator', k)));
  const executor = createDaService(base('executor', exec));
  validators.set(toHex(exec.publicKey), executor);
  return { executor, validators, submitted, verifier, refuse, slow };
}

const request = (data: Uint8Array, parent = '0'.repeat(64)) => ({ channel_id: 'c1'.repeat(32), parent_msg_id: parent, signer: 'aa'.repeat(32), data: toHex(data) });

describe('DA service', () => {
  it('disperses a blob: shares stored by their subnetwork, attestations valid, certificate in the mempool', async () => {
    const c = cluster(4, 2);
    const data = new Uint8Array(1000).map((_, i) => i % 251);
    const res = await c.executor.handleDisperse(request(data));
    expect(res.blob_id).toBe(sha256Hex(data));
    expect(c.submitted.length).toBe(1);
    const tx = decodeTx(c.submitted[0]!);
    expect(tx.id).toBe(res.tx_id);
    expect(tx.from).toBe(c.executor.myId);
    const op = tx.ops[0] as ChannelBlobOp;
    expect(op).toMatchObject({ kind: 'channel_blob', blobId: res.blob_id, size: 1000, channel: 'c1'.repeat(32), parent: '0'.repeat(64) });
    // Every one of the 5 stake holders holds a share (5 validators over 2 subnetworks) and attested.
    expect(op.attestations.map((a) => a.validator)).toEqual([...c.validators.keys()].sort());
    // The node's own verifier accepts the certificate.
    expect(c.verifier.verify(tx)).toBeNull();
    // Shares are retrievable from their holders and join back to the blob.
    const parts = c.executor.holders.map((h, i) => c.validators.get(h[0]!)!.getShare(res.blob_id, i)!);
    expect(Buffer.from(joinShares(parts.map((p) => Buffer.from(p.data, 'hex')))).equals(Buffer.from(data))).toBe(true);
    for (const [id, v] of c.validators) {
      const mine = c.executor.holders.flatMap((h, i) => (h.includes(id) ? [i] : []));
      expect(v.blobStatus(res.blob_id).shares).toEqual(mine);
    }
  });

  it('refuses shares of a subnetwork the validator does not hold, and malformed shares', () => {
    const c = cluster(4, 2);
    const [id, v] = [...c.validators].find(([vid]) => c.executor.holders[0]!.includes(vid) && !c.executor.holders[1]!.includes(vid))!;
    const share = { blobId: 'ab'.repeat(32), index: 1, total: 2, size: 4, data: new Uint8Array(2) };
    const from = c.executor.myId;
    expect(v.onShare(encodeShare(share), from)).toBeNull();
    expect(v.onShare(encodeShare({ ...share, index: 0 }), from)).not.toBeNull();
    expect(v.onShare(encodeShare({ ...share, total: 3, index: 0, size: 3, data: new Uint8Array(1) }), from)).toBeNull();
    expect(v.onShare(new Uint8Array([9, 9]), from)).toBeNull();
    // Unsolicited: the same share from an identity that is no block producer.
    expect(v.onShare(encodeShare({ ...share, index: 0, blobId: 'cd'.repeat(32) }), 'ef'.repeat(32))).toBeNull();
    expect(v.counters.sharesRefused).toBe(4);
    expect(id).toMatch(/^[0-9a-f]{64}$/); // the validator is named by its peer id
  });

  it('fails with 503 naming the share when no holder of a subnetwork attests', async () => {
    const c = cluster(3, 4);
    for (const h of c.executor.holders[3]!) c.refuse.add(h);
    await expect(c.executor.handleDisperse(request(new Uint8Array(64)))).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/share\(s\) 3 of 4/) });
    expect(c.submitted.length).toBe(0);
  });

  it('leaves out a validator that is down when its subnetwork has another holder', async () => {
    const c = cluster(5, 2);
    const down = c.executor.holders[1]![0]!;
    c.refuse.add(down);
    const res = await c.executor.handleDisperse(request(new Uint8Array(64).fill(3)));
    const op = decodeTx(c.submitted[0]!).ops[0] as ChannelBlobOp;
    expect(op.attestations.map((a) => a.validator)).not.toContain(down);
    expect(op.attestations.length).toBe(5);
    expect(res.blob_id).toBe(op.blobId);
    // A holder that does not answer (down: connect timeout) does not hold up a blob the others certify.
    const late = c.executor.holders[0]!.find((h) => h !== c.executor.myId)!;
    c.slow.add(late);
    const t0 = Date.now();
    await c.executor.handleDisperse(request(new Uint8Array(64).fill(4), res.blob_id));
    expect(Date.now() - t0).toBeLessThan(2_000);
    const op2 = decodeTx(c.submitted[1]!).ops[0] as ChannelBlobOp;
    expect(op2.attestations.map((a) => a.validator)).not.toContain(late);
    expect(op2.attestations.length).toBe(6 - 2); // 6 holders, minus the refusing one and the late one
  });

  it('rejects bad requests with 4xx and a message naming the field', async () => {
    const c = cluster(2, 2);
    await expect(c.executor.handleDisperse({ ...request(new Uint8Array(4)), channel_id: 'xyz' })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/channel_id/) });
    await expect(c.executor.handleDisperse({ ...request(new Uint8Array(4)), data: '' })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/empty blob/) });
    await expect(c.executor.handleDisperse('nope')).rejects.toMatchObject({ status: 400 });
    const validator = [...c.validators.values()].find((v) => v !== c.executor)!;
    await expect(validator.handleDisperse(request(new Uint8Array(4)))).rejects.toMatchObject({ status: 403 });
    const full = cluster(2, 2, { submit: 'insufficient_funds' });
    await expect(full.executor.handleDisperse(request(new Uint8Array(4)))).rejects.toMatchObject({ status: 422, message: expect.stringMatching(/insufficient_funds/) });
  });

  it('submits certificates in parent-chain order whatever order the requests arrive in', async () => {
    const c = cluster(3, 2);
    const blobs = Array.from({ length: 6 }, (_, i) => new Uint8Array(200 * (6 - i)).fill(i));
    let parent = '0'.repeat(64);
    const reqs = blobs.map((b) => {
      const r = request(b, parent);
      parent = sha256Hex(b);
      return r;
    });
    // Children first: the last blob arrives first, the first blob last.
    const res = await Promise.all([...reqs].reverse().map((r) => c.executor.handleDisperse(r)));
    const txs = c.submitted.map((b) => decodeTx(b));
    expect(txs.map((t) => t.nonce)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(txs.map((t) => (t.ops[0] as ChannelBlobOp).blobId)).toEqual(blobs.map((b) => sha256Hex(b)));
    expect(txs.map((t) => (t.ops[0] as ChannelBlobOp).parent)).toEqual(reqs.map((r) => r.parent_msg_id));
    expect(res.map((r) => r.blob_id).reverse()).toEqual(blobs.map((b) => sha256Hex(b)));
  });

  it('fails the children of a blob whose dispersal failed (409), and waits only briefly for an unknown parent', async () => {
    const c = cluster(3, 4);
    for (const h of c.executor.holders[3]!) c.refuse.add(h);
    const p = new Uint8Array(64).fill(1);
    const child = new Uint8Array(64).fill(2);
    const [rp, rc] = await Promise.allSettled([c.executor.handleDisperse(request(p)), c.executor.handleDisperse(request(child, sha256Hex(p)))]);
    expect(rp).toMatchObject({ status: 'rejected', reason: { status: 503 } });
    expect(rc).toMatchObject({ status: 'rejected', reason: { status: 409, message: expect.stringMatching(/parent blob .* failed to disperse/) } });
    expect(c.submitted.length).toBe(0);
    // A parent nobody here has seen (maybe another executor's): submitted after the wait.
    c.refuse.clear();
    const t0 = Date.now();
    await c.executor.handleDisperse(request(new Uint8Array(8), 'ee'.repeat(32)));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_900);
    expect(c.submitted.length).toBe(1);
  });

  it('a holder that missed its share repairs it from the other holders once the certificate is on its chain', async () => {
    const c = cluster(5, 2);
    const down = c.executor.holders[1]!.find((h) => h !== c.executor.myId)!;
    c.refuse.add(down);
    const data = new Uint8Array(777).map((_, i) => i % 13);
    const res = await c.executor.handleDisperse(request(data));
    const v = c.validators.get(down)!;
    expect(v.blobStatus(res.blob_id).shares).toEqual([]);
    c.refuse.delete(down);
    const tx = decodeTx(c.submitted[0]!);
    v.onCanonicalChange([], [{ header: { height: 3 }, txs: [tx] }]);
    await new Promise((r) => setTimeout(r, 100));
    expect(v.blobStatus(res.blob_id)).toEqual({ blob_id: res.blob_id, shares: [1], included_height: 3 });
    expect(v.getShare(res.blob_id, 1)!.data).toBe(toHex(splitBlob(data, 2)[1]!));
    expect(v.repair.counters.repaired).toBe(1);
    // Holders that already have their share do nothing.
    const other = c.validators.get(c.executor.holders[1]!.find((h) => h !== down && h !== c.executor.myId)!)!;
    other.onCanonicalChange([], [{ header: { height: 3 }, txs: [tx] }]);
    expect(other.repair.pending).toBe(0);
  });

  it('tracks inclusion heights across applied and reverted blocks; serves channels', () => {
    const c = cluster(2, 1);
    const op: ChannelBlobOp = { kind: 'channel_blob', blobId: 'ab'.repeat(32), size: 1, channel: 'c1'.repeat(32), parent: '0'.repeat(64), attestations: [] };
    const block = { header: { height: 7 }, txs: [{ ops: [op] }] };
    c.executor.onCanonicalChange([], [block]);
    expect(c.executor.blobStatus(op.blobId).included_height).toBe(7);
    c.executor.onCanonicalChange([block], []);
    expect(c.executor.blobStatus(op.blobId).included_height).toBeNull();
    expect(c.executor.channelStatus('c1'.repeat(32))).toMatchObject({ blobs: 0, last_msg: '0'.repeat(64) });
    expect(c.executor.channelStatus('c2'.repeat(32))).toBeNull();
  });
});
