import { describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { rlpEncode, rlpInt } from '../../src/adapters/evm/rlp.js';
import { addressOf, DEV_MNEMONIC, fromHex, hex, mnemonicKeys } from '../../src/adapters/evm/keys.js';
import { nobleSign, signEip1559, signingHash, type Eip1559Fields } from '../../src/adapters/evm/tx.js';
import { secp256k1Signer } from '../../src/adapters/evm/signers.js';
import { classifyRpcError } from '../../src/adapters/evm/outcome.js';
import { createTxFactory } from '../../src/adapters/evm/tx-factory.js';
import { evmAdapter } from '../../src/adapters/evm/index.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('evm: RLP', () => {
  it('encodes the specification examples', () => {
    expect(hex(rlpEncode(enc('dog')))).toBe('0x83646f67');
    expect(hex(rlpEncode([enc('cat'), enc('dog')]))).toBe('0xc88363617483646f67');
    expect(hex(rlpEncode(new Uint8Array(0)))).toBe('0x80');
    expect(hex(rlpEncode([]))).toBe('0xc0');
    expect(hex(rlpEncode(rlpInt(0)))).toBe('0x80');
    expect(hex(rlpEncode(rlpInt(15)))).toBe('0x0f');
    expect(hex(rlpEncode(rlpInt(1024)))).toBe('0x820400');
    expect(hex(rlpEncode([[], [[]], [[], [[]]]]))).toBe('0xc7c0c1c0c3c0c1c0');
    const long = enc('Lorem ipsum dolor sit amet, consectetur adipisicing elit');
    expect(hex(rlpEncode(long)).slice(0, 6)).toBe('0xb838');
  });
});

describe('evm: keys and EIP-1559 signing', () => {
  it("derives anvil's dev accounts from its mnemonic (m/44'/60'/0'/0/i)", () => {
    const [a0, a1] = mnemonicKeys(DEV_MNEMONIC, 2).map(addressOf);
    expect(a0).toBe('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266');
    expect(a1).toBe('0x70997970c51812dc3a010c7d01b50e0d17dc79c8');
    expect(() => mnemonicKeys('test test test test test test test test test test test test', 1)).toThrow(/not a valid BIP-39/);
  });

  it('signs a type-2 transfer whose signature recovers to the sender; the id is keccak of the raw bytes', () => {
    const [key] = mnemonicKeys(DEV_MNEMONIC, 1);
    const f: Eip1559Fields = { chainId: 31337n, nonce: 7, maxPriorityFeePerGas: 10n ** 9n, maxFeePerGas: 10n ** 11n, gasLimit: 21000n, to: fromHex('0x70997970c51812dc3a010c7d01b50e0d17dc79c8', 20), value: 1n, data: new Uint8Array(0) };
    const { bytes, id } = signEip1559(f, key!);
    expect(bytes[0]).toBe(0x02);
    expect(id).toBe(hex(keccak_256(bytes)));
    // Recover the sender from the signature at the end of the RLP list: [..., yParity, r, s].
    const sig = bytes.subarray(bytes.length - 67); // 0x01|0x80, 0xa0 r(32), 0xa0 s(32) when r, s have no leading zero
    const yParity = sig[0] === 0x80 ? 0 : sig[0]!;
    const r = sig.subarray(2, 34);
    const s = sig.subarray(35, 67);
    const recovered = secp256k1.Signature.fromBytes(new Uint8Array([...r, ...s]), 'compact').addRecoveryBit(yParity).recoverPublicKey(signingHash(f)).toBytes(false);
    expect(hex(keccak_256(recovered.subarray(1)).subarray(12))).toBe(addressOf(key!));
    // Deterministic: same fields, same bytes.
    expect(signEip1559(f, key!).id).toBe(id);
  });

  it('the native signer (libsecp256k1) signs exactly as the reference (@noble/curves)', async () => {
    const native = await secp256k1Signer('native');
    const [key] = mnemonicKeys(DEV_MNEMONIC, 1);
    for (let i = 0; i < 50; i++) {
      const h = keccak_256(new Uint8Array([i, 1, 2]));
      const a = native(h, key!);
      const b = nobleSign(h, key!);
      expect([hex(a.r), hex(a.s), a.yParity]).toEqual([hex(b.r), hex(b.s), b.yParity]);
    }
    expect(await secp256k1Signer('auto')).not.toBe(nobleSign); // the addon loads here, so auto takes it
    await expect(secp256k1Signer('fast')).rejects.toThrow(/signer "fast" is unknown; allowed: auto, native, noble/);
  });
});

describe('evm: JSON-RPC answers to outcome classes', () => {
  it.each([
    ['nonce too low: next nonce 5, tx nonce 3', 'stale_nonce', 'nonce_too_low'],
    ['already known', 'duplicate', 'duplicate'],
    ['transaction already imported', 'duplicate', 'duplicate'],
    ['nonce too high', 'nonce_gap', 'nonce_gap'],
    ['replacement transaction underpriced', 'rejected', 'replacement_underpriced'],
    ['Insufficient funds for gas * price + value', 'rejected', 'insufficient_funds'],
    ['max fee per gas less than block base fee', 'rejected', 'fee_too_low'],
    ['txpool is full', 'rejected', 'mempool_full'],
    ['intrinsic gas too low', 'rejected', 'gas_too_low'],
    ['invalid chain id for signer', 'rejected', 'wrong_chain_id'],
    // anvil 1.7.1's own wordings, as the fuzzer met them (bench/RESULTS.md, EVM invalid-transaction fuzzing)
    ['max priority fee per gas higher than max fee per gas', 'rejected', 'tip_above_fee_cap'],
    ['intrinsic gas too high -- tx.gas_limit > env.block.gas_limit', 'rejected', 'gas_limit'],
    ['max initcode size exceeded', 'rejected', 'too_large'],
    ['Failed to recover the signer', 'rejected', 'bad_signature'],
    ['invalid sender', 'rejected', 'bad_signature'],
    ['Failed to decode transaction', 'rejected', 'malformed'],
    ['Empty transaction data', 'rejected', 'malformed'],
    ['transaction type not supported', 'rejected', 'unsupported_type'],
    ['something new', 'rejected', 'other'],
  ])('%s → %s (%s)', (message, outcome, reason) => {
    expect(classifyRpcError(message)).toEqual({ outcome, reason });
  });

  it('reads a batch reply by id; a reply that is not a batch fails the whole request', async () => {
    const keys = mnemonicKeys(DEV_MNEMONIC, 2);
    const recipients = keys.map(addressOf);
    const f = await createTxFactory({ wallets: keys.map((k, index) => ({ index, secret: hex(k) })), recipients, params: { fee: 1, amount: 1 }, options: evmAdapter.txFactory({ fee: 1, amount: 1 }, {}).options });
    expect(f.addresses).toEqual(recipients);
    const call = f.submitCall([f.sign(0, 0).bytes, f.sign(1, 0).bytes]);
    expect(JSON.parse(call.body as string).map((c: { method: string }) => c.method)).toEqual(['eth_sendRawTransaction', 'eth_sendRawTransaction']);
    const answers = f.submitAnswers(200, JSON.stringify([{ id: 1, error: { code: -32003, message: 'nonce too low' } }, { id: 0, result: '0xabc' }]), 2)!;
    expect(answers.map((a) => a?.outcome)).toEqual(['accepted', 'stale_nonce']);
    expect(f.submitAnswers(200, JSON.stringify({ id: 0, error: { code: -32600, message: 'batch not supported' } }), 2)).toBeUndefined();
    expect(f.submitAnswers(503, '', 2)).toBeUndefined();
    expect(f.nonceAnswer(200, '{"jsonrpc":"2.0","id":1,"result":"0x1f"}')).toBe(31);
  });
});
