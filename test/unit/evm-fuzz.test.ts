// The fuzzer on the EVM adapter as data: the DSL and JSON give one spec; a case the chain cannot express is
// refused naming the chain and the case (both ways); the fuzzer's own validity check (judge) tells a mutation
// that still holds from one that does not, on the rules it names.
import { describe, expect, it } from 'vitest';
import { scenarioFromSpec, specFromJson } from '../../src/scenario/build.js';
import { ScenarioBuilder } from '../../src/scenario/builder.js';
import { TxFuzzWorkload } from '../../src/adversary/tx-fuzz.js';
import { EVM_FUZZ_CASES, intrinsicGas, judge, type JudgeState } from '../../src/adapters/evm/fuzz.js';
import { FUZZ_CASES, FUZZ_CASE_NAMES } from '../../src/adversary/tx-fuzz-cases.js';
import { addressOf, DEV_MNEMONIC, mnemonicKeys } from '../../src/adapters/evm/keys.js';
import { decodeEip1559, encodeSignedEip1559, signEip1559, type Eip1559Fields } from '../../src/adapters/evm/tx.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';

const evm = () => ScenarioBuilder.topology().validators(1).apply().wallets(4).onChain({ type: 'evm' });

describe('tx-fuzz on evm: spec', () => {
  it('DSL and JSON give the same spec and workload', () => {
    const dsl = evm().fuzzTransactions({ rate: 25, cases: ['high_s', 'gas_too_low'] }).buildSpec();
    const json = specFromJson(JSON.stringify({ chain: { type: 'evm' }, topology: { validators: 1 }, wallets: { count: 4 }, workloads: [{ type: 'tx-fuzz', rate: 25, cases: ['high_s', 'gas_too_low'] }] }));
    expect(json.workloads).toEqual(dsl.workloads);
    const s = scenarioFromSpec(JSON.parse(JSON.stringify(dsl)));
    expect(s.workloads[0]).toBeInstanceOf(TxFuzzWorkload);
    expect(s.expectations.map((e) => e.name)).toContain('tx-fuzz-rejected');
    expect([...FUZZ_CASE_NAMES].sort()).toEqual([...new Set([...FUZZ_CASES, ...EVM_FUZZ_CASES])].sort());
  });

  it('refuses a case the chain cannot express, naming the chain and the case', () => {
    expect(() => evm().fuzzTransactions({ cases: ['mempool_full'] }).build()).toThrow(/tx-fuzz\.cases: "mempool_full"; allowed: a case chain 'evm' can express: malformed, trailing_bytes, unknown_type, bad_signature, high_s/);
    const devnet = ScenarioBuilder.topology().validators(2).apply().wallets(6).onChain({ type: 'devnet' });
    expect(() => devnet.fuzzTransactions({ cases: ['gas_too_low'] }).build()).toThrow(/tx-fuzz\.cases: "gas_too_low"; allowed: a case chain 'devnet' can express: malformed, bad_signature/);
  });
});

describe('tx-fuzz on evm: the validity check', () => {
  const [key] = mnemonicKeys(DEV_MNEMONIC, 1);
  const me = addressOf(key!);
  const state: JudgeState = { chainId: 31337n, accounts: new Map([[me, { nonce: 5n, balance: 10n ** 21n }]]), baseFee: 1_000_000_000n, blockGasLimit: 30_000_000n };
  const f: Eip1559Fields = { chainId: 31337n, nonce: 5, maxPriorityFeePerGas: 10n ** 9n, maxFeePerGas: 3n * 10n ** 9n, gasLimit: 21_000n, to: new Uint8Array(20).fill(9), value: 7n, data: new Uint8Array(0) };
  const v = (g: Partial<Eip1559Fields>, k = key!) => judge(signEip1559({ ...f, ...g }, k).bytes, state);

  it('a re-signed flip of the value or recipient, or a future nonce, is still valid', () => {
    expect(v({})).toEqual({ verdict: 'valid', why: 'valid' });
    expect(v({ value: 7n ^ (1n << 40n) }).verdict).toBe('valid');
    expect(v({ nonce: 9 }).why).toMatch(/future nonce/);
  });

  it('each broken rule is invalid, and a max fee near the base fee is uncertain', () => {
    expect(v({ chainId: 1n }).why).toBe('chain id 1');
    expect(v({ nonce: 4 }).why).toBe('nonce 4 below 5');
    expect(v({ gasLimit: 20_999n }).why).toBe('gas 20999 < intrinsic 21000');
    expect(v({ gasLimit: 30_000_001n }).why).toBe('gas 30000001 > block 30000000');
    expect(v({ maxPriorityFeePerGas: 4n * 10n ** 9n }).why).toBe('tip above fee cap');
    expect(v({ maxFeePerGas: 10n ** 8n, maxPriorityFeePerGas: 0n }).why).toBe('max fee below the base fee');
    expect(v({ maxFeePerGas: 10n ** 9n, maxPriorityFeePerGas: 0n }).verdict).toBe('uncertain');
    expect(v({ value: 10n ** 22n }).why).toBe('cost above the balance');
    expect(v({}, Uint8Array.from(Buffer.alloc(32, 3))).why).toMatch(/is a stranger/);
    expect(v({ to: new Uint8Array(0), data: new Uint8Array(49_153), gasLimit: 1_000_000n }).why).toBe('init code over EIP-3860');
    const good = signEip1559(f, key!).bytes;
    expect(judge(Uint8Array.of(...good, 0), state).why).toBe('does not decode: rlp: 1 bytes after the item');
    expect(judge(good.subarray(0, 50), state).why).toMatch(/^does not decode/);
    const t = decodeEip1559(good);
    const n = secp256k1.Point.CURVE().n;
    expect(judge(encodeSignedEip1559(f, 1n - t.yParity, t.r, n - t.s), state).why).toBe('high s (EIP-2)');
    expect(judge(encodeSignedEip1559(f, 2n, t.r, t.s), state).why).toBe('y parity 2');
  });

  it('counts intrinsic gas as EIP-2028, EIP-3860 and the EIP-7623 floor do', () => {
    expect(intrinsicGas(new Uint8Array(20), new Uint8Array(0))).toBe(21_000n);
    expect(intrinsicGas(new Uint8Array(20), Uint8Array.of(0, 1))).toBe(21_000n + 50n); // floor 21000 + 10·(1 + 4) over 21000 + 4 + 16
    expect(intrinsicGas(new Uint8Array(0), new Uint8Array(64).fill(1))).toBe(21_000n + 32_000n + 16n * 64n + 4n);
  });
});
