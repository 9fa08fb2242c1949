/**
 * Data availability on the devnet (the 'da' capability): a channel opens with a channel_inscribe transaction
 * signed by its owner; an executor disperses each blob (POST /disperse-data) and submits its certificate, a
 * channel_blob transaction; validators and executors hold its shares (GET /da/blob, /da/share).
 */
import { fromHex, toHex } from '../../util/bytes.js';
import type { DaClient } from '../seam.js';
import { ed25519Backend, type Ed25519Backend } from './wire/ed25519.js';
import type { NodeClient } from './wire/node-client.js';
import { encodeTxBatch, signTx } from './wire/tx.js';

/** The parent of a channel's first blob. */
const NO_PARENT = '0'.repeat(64);
const INSCRIPTION = toHex(new TextEncoder().encode('loadnet'));

export class DevnetDaClient implements DaClient {
  private backend?: Ed25519Backend;

  constructor(private readonly api: NodeClient) {}

  async openChannel(channel: string, owner: { address: string; secret: string }, nonce: number): Promise<string | undefined> {
    this.backend ??= ed25519Backend('sodium');
    const key = this.backend.keyFromSeed(fromHex(owner.secret, 32));
    const tx = signTx({ from: owner.address, nonce, fee: 1, ops: [{ kind: 'channel_inscribe', channel, data: INSCRIPTION }] }, key);
    const r = await this.api.submitBatch(encodeTxBatch([tx.bytes]));
    return r.results[0] === 'ok' ? tx.id : undefined;
  }

  async hasChannel(channel: string): Promise<boolean> {
    return (await this.api.daChannel(channel)) !== null;
  }

  async publish(channel: string, parent: string | undefined, signer: string, data: Uint8Array): Promise<{ blobId: string; txId: string }> {
    const r = await this.api.disperse({ channel_id: channel, parent_msg_id: parent ?? NO_PARENT, signer, data: toHex(data) });
    return { blobId: r.blob_id, txId: r.tx_id };
  }

  async heldShares(blobId: string): Promise<number[]> {
    return (await this.api.daBlob(blobId)).shares ?? [];
  }

  async hasShare(blobId: string, index: number): Promise<boolean> {
    const share = await this.api.daShare(blobId, index);
    return share !== null && typeof share.data === 'string' && share.data.length > 0;
  }
}
