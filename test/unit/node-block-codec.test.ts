/**
 * Golden vectors for the devnet block codec: header layout, block id, tx root, leader message and
 * genesis id are pinned, recomputed with the pure-JS reference hash, and identical across ed25519
 * backends; decoding is total (garbage → LN_ERR_CODEC, never an out-of-range read).
 */
import { describe, expect, it } from 'vitest';
import { ed25519Backend, sha256Reference, signTx, toHex, fromHex, sha256Hex } from '../../src/adapters/devnet/wire/index.js';
import { BLOCK_DOMAIN, HEADER_BYTES, blockIdOf, blockToJson, buildBlock, decodeBlock, encodeHeader, txRoot } from '../../src/node/block-codec.js';
import { leaderMessage, ticketOf } from '../../src/node/lottery.js';
import { genesisId } from '../../src/node/genesis.js';

const GOLDEN = {
  id: '285e24e86878b503edc45805f2353584d02c2d8f5e49d966524d9987e06751f7',
  txRoot: 'c4a6bb9d16f7a1d9084f26db24fe4f904dd5584af6c952cffc5495f9f1777a73',
  signature: 'd79479b32bc48bdc95f2df3164f69e36f14db7be93c889430930e4015f4df2cfc07741c41b5a3e71a45854fbca090104ce31fc8bfb30ffd665d890e0712a5500',
  bytesSha: '349154658c2065bef09023d758145bf1ed0b8908d0726d0090d9f5f4d8d458e1',
  length: 413,
  header:
    '01aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2a000000000000000700000000000000ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22cc4a6bb9d16f7a1d9084f26db24fe4f904dd5584af6c952cffc5495f9f1777a73546549f3726861e27685e6b0a2e6c04d4c3f7c5f8024053c099df69388862af48558e61bf1acc9d7a9e325a4ad1621923caea83f392193a3724379317194c50b0068e5cf8b010000',
  proof: '546549f3726861e27685e6b0a2e6c04d4c3f7c5f8024053c099df69388862af48558e61bf1acc9d7a9e325a4ad1621923caea83f392193a3724379317194c50b',
  ticket: 0.9813332456805685,
  root3: '30a02c023aa9f351be86615ceedfd51bc34d9a2a003174b4132ea26e5c2d0417',
  genesis: 'dee4220023029fdba7ea6f176d4d50bc02d4b48f933219b1ad2416717cac8283',
};

function goldenBlock(backend: 'noble' | 'sodium' | 'node') {
  const be = ed25519Backend(backend);
  const k = be.keyFromSeed(new Uint8Array(32).fill(7));
  const w = be.keyFromSeed(new Uint8Array(32).fill(9));
  const tx = signTx({ from: toHex(w.publicKey), nonce: 3, fee: 2, ops: [{ kind: 'transfer', to: '11'.repeat(32), amount: 1000 }] }, w);
  const proof = k.sign(leaderMessage(new Uint8Array(32).fill(1), 42));
  return { k, proof, block: buildBlock({ parent: 'aa'.repeat(32), slot: 42, height: 7, proposer: toHex(k.publicKey), leaderProof: toHex(proof), timestamp: 1_700_000_000_000 }, [tx], k) };
}

describe('block codec golden vectors', () => {
  it('pins the header layout, id, tx root, signature and encoded bytes', () => {
    const { block } = goldenBlock('noble');
    expect(toHex(encodeHeader(block.header))).toBe(GOLDEN.header);
    expect(encodeHeader(block.header)).toHaveLength(HEADER_BYTES);
    expect(block.id).toBe(GOLDEN.id);
    expect(block.header.txRoot).toBe(GOLDEN.txRoot);
    expect(block.signature).toBe(GOLDEN.signature);
    expect(block.bytes).toHaveLength(GOLDEN.length);
    expect(sha256Hex(block.bytes)).toBe(GOLDEN.bytesSha);
  });

  it('the id is SHA-256 of the block domain and header, by the pure-JS reference hash', () => {
    const header = fromHex(GOLDEN.header);
    const msg = new Uint8Array([...BLOCK_DOMAIN, ...header]);
    expect(toHex(sha256Reference(msg))).toBe(GOLDEN.id);
    expect(blockIdOf(header)).toBe(GOLDEN.id);
  });

  it('every ed25519 backend builds the identical block', () => {
    for (const be of ['sodium', 'node'] as const) {
      const { block } = goldenBlock(be);
      expect(block.id).toBe(GOLDEN.id);
      expect(sha256Hex(block.bytes)).toBe(GOLDEN.bytesSha);
    }
  });

  it('pins the leader proof and its ticket', () => {
    const { proof } = goldenBlock('sodium');
    expect(toHex(proof)).toBe(GOLDEN.proof);
    expect(ticketOf(proof)).toBe(GOLDEN.ticket);
    const h = sha256Reference(proof);
    expect(ticketOf(proof)).toBeCloseTo(Number(BigInt('0x' + toHex(h.subarray(0, 8)))) / 2 ** 64, 15);
  });

  it('the tx root is a Merkle tree with 0x01 inner nodes and odd nodes carried up', () => {
    const ids = ['01', '02', '03'].map((b) => b.repeat(32));
    const inner = (l: Uint8Array, r: Uint8Array) => sha256Reference(new Uint8Array([1, ...l, ...r]));
    const expected = inner(inner(fromHex(ids[0]!), fromHex(ids[1]!)), fromHex(ids[2]!));
    expect(txRoot(ids)).toBe(toHex(expected));
    expect(txRoot(ids)).toBe(GOLDEN.root3);
    expect(txRoot([ids[0]!])).toBe(ids[0]);
    expect(txRoot([])).toBe('00'.repeat(32));
  });

  it('pins the genesis id', () => {
    const k = ed25519Backend('noble').keyFromSeed(new Uint8Array(32).fill(7));
    expect(genesisId({ chainId: 'golden', timeMs: 1_700_000_000_000, epochNonce: '01'.repeat(32), accounts: [{ publicKey: '22'.repeat(32), balance: 5 }], validators: [{ publicKey: toHex(k.publicKey), stake: 10 }] })).toBe(GOLDEN.genesis);
  });
});

describe('block decoding', () => {
  it('round-trips the encoded block and its JSON form', () => {
    const { block } = goldenBlock('sodium');
    const back = decodeBlock(block.bytes);
    expect(back.id).toBe(block.id);
    expect(back.header).toEqual(block.header);
    expect(back.txs.map((t) => t.id)).toEqual(block.txs.map((t) => t.id));
    const json = blockToJson(back);
    expect(json.header.tx_root).toBe(GOLDEN.txRoot);
    expect(json.transactions[0]!.nonce).toBe(3);
  });

  it('rejects every truncation and trailing garbage with LN_ERR_CODEC', () => {
    const { block } = goldenBlock('sodium');
    for (let n = 0; n < block.bytes.length; n++) {
      expect(() => decodeBlock(block.bytes.subarray(0, n)), `truncated at ${n}`).toThrow(expect.objectContaining({ code: 'LN_ERR_CODEC' }));
    }
    expect(() => decodeBlock(new Uint8Array([...block.bytes, 0]))).toThrow(/trailing/);
    const wrongVersion = block.bytes.slice();
    wrongVersion[0] = 9;
    expect(() => decodeBlock(wrongVersion)).toThrow(/version/);
  });

  it('bounds the declared transaction count before allocating', () => {
    const { block } = goldenBlock('sodium');
    const huge = block.bytes.slice();
    new DataView(huge.buffer).setUint32(HEADER_BYTES + 64, 0xffffffff, true);
    expect(() => decodeBlock(huge, 5000)).toThrow(/at most 5000/);
  });
});
