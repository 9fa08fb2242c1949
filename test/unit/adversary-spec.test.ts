// The fuzzer is plain data like every built-in: the DSL and JSON give one spec, defaults filled in; bad cases,
// rates and devnet mempool options are refused naming the field and what is allowed.
import { describe, expect, it } from 'vitest';
import { scenarioFromSpec, specFromJson } from '../../src/scenario/build.js';
import { ScenarioBuilder } from '../../src/scenario/builder.js';
import { TxFuzzWorkload } from '../../src/adversary/tx-fuzz.js';
import { TxCrafter, EXPECTED_REJECTS, FUZZ_CASES, idIfDecodes } from '../../src/adversary/tx-fuzz-cases.js';
import { deriveKeyPair } from '../../src/adapters/devnet/wire/keys.js';
import { decodeTx, MAX_TX_BYTES } from '../../src/adapters/devnet/wire/tx.js';
import { seededRandom } from '../../src/util/random.js';
import { ed25519Backend } from '../../src/adapters/devnet/wire/ed25519.js';
import { adversaryWallets } from '../../src/adversary/wallet-ranges.js';

const base = () => ScenarioBuilder.topology().validators(2).apply().wallets(6).onChain({ type: 'devnet', mempool: { maxCount: 200, minFee: 1 } });

describe('tx-fuzz spec', () => {
  it('DSL and JSON give the same spec, defaults filled in', () => {
    const dsl = base().fuzzTransactions({ rate: 30, target: 'validator-1' }).buildSpec();
    expect(dsl.workloads[0]).toEqual({ type: 'tx-fuzz', rate: 30, cases: [], targets: { node: 'validator-1' }, maxRejectedOtherwise: 0 });
    const json = specFromJson(JSON.stringify({ topology: { validators: 2 }, wallets: { count: 6 }, chain: { type: 'devnet', mempool: { maxCount: 200, minFee: 1 } }, workloads: [{ type: 'tx-fuzz', rate: 30, targets: { node: 'validator-1' } }] }));
    expect(json.workloads).toEqual(dsl.workloads);
    const s = scenarioFromSpec(JSON.parse(JSON.stringify(dsl)));
    expect(s.workloads[0]).toBeInstanceOf(TxFuzzWorkload);
    expect(s.expectations.map((e) => e.name)).toContain('tx-fuzz-rejected');
    expect(base().fuzzTransactions().buildSpec().workloads[0]).toMatchObject({ rate: 20, cases: [] });
  });

  it('refuses what it cannot run, naming field and allowed values', () => {
    expect(() => base().fuzzTransactions({ rate: 0, cases: ['nope' as never] }).build()).toThrow(/tx-fuzz\.cases\[0\]: "nope"; allowed: one of .malformed.[\s\S]*tx-fuzz\.rate: 0; allowed: crafted transactions per second/);
    expect(() => base().transactions().users(6).apply().fuzzTransactions().build()).toThrow(/tx-fuzz: 2; allowed: a wallet range of its own: tx-fuzz \(the last two wallets\) has wallets 4–5, overlapping transactions's wallets 0–5/);
    expect(() => ScenarioBuilder.topology().validators(1).apply().wallets(3).onChain({ type: 'devnet', mempool: { minFee: -1, size: 3 } }).build()).toThrow(/chain\.mempool\.minFee: -1; allowed: an integer from 0[\s\S]*chain\.mempool\.size: 3; allowed: maxCount, minFee, maxNonceGap/);
    expect(() => ScenarioBuilder.topology().validators(1).apply().onChain({ type: 'devnet', shards: 2 }).build()).toThrow(/chain\.shards: 2; allowed: mempool/);
  });
});

describe('crafted cases', () => {
  const key = deriveKeyPair(1, 'wallet', 0).key;
  const crafter = new TxCrafter(key, seededRandom(7), 'unit', 1);

  it('are seeded: the same seed crafts the same bytes', () => {
    const again = new TxCrafter(key, seededRandom(7), 'unit', 1);
    expect(Buffer.from(crafter.mutation('bit-flip').bytes)).toEqual(Buffer.from(again.mutation('bit-flip').bytes));
  });

  it('break exactly what their case names', () => {
    expect(idIfDecodes(crafter.malformed().bytes)).toBeUndefined();
    expect(crafter.tooLarge().bytes.length).toBeGreaterThan(MAX_TX_BYTES);
    const gap = decodeTx(crafter.nonceGap(5).bytes);
    expect(gap.nonce).toBeGreaterThan(2 ** 40);
    expect(decodeTx(crafter.feeTooLow().bytes).fee).toBe(0);
    expect(decodeTx(crafter.nonceTooLow(3).bytes).nonce).toBeLessThan(3);
    const [orig, copy] = crafter.duplicate(4);
    expect(Buffer.from(copy.bytes)).toEqual(Buffer.from(orig.bytes));
    const swapped = decodeTx(crafter.mutation('field-swap').bytes);
    expect(swapped.from).not.toBe(Buffer.from(key.publicKey).toString('hex'));
    expect(crafter.mutation('truncate').bytes.length).toBeLessThan(crafter.valid(1).bytes.length);
    expect(Object.keys(EXPECTED_REJECTS).sort()).toEqual([...FUZZ_CASES].sort());
  });
});

describe('api-flood spec', () => {
  it('DSL and JSON give the same spec; bad input is refused naming the field', () => {
    const dsl = base().floodApi({ rate: 12_000, target: 'validator-1', bursts: { on: '2s', off: '1s' }, requests: ['info', 'bad-json'], startAfter: '1s', controlP99: '300ms' }).buildSpec();
    expect(dsl.workloads[0]).toEqual({ type: 'api-flood', rate: 12_000, invalidShare: 0.5, requests: ['info', 'bad-json'], pattern: { kind: 'burst', onMs: 2000, offMs: 1000 }, target: 'validator-1', connections: 8, pipelining: 128, timeoutMs: 2000, startAfterMs: 1000, controlP99Ms: 300, minRateFraction: 0.9 });
    const json = specFromJson(JSON.stringify({ topology: { validators: 2 }, wallets: { count: 6 }, chain: { type: 'devnet', mempool: { maxCount: 200, minFee: 1 } }, workloads: [{ type: 'api-flood', rate: 12_000, target: 'validator-1', pattern: { kind: 'burst', onMs: '2s', offMs: '1s' }, requests: ['info', 'bad-json'], startAfterMs: '1s', controlP99Ms: '300ms' }] }));
    expect(json.workloads).toEqual(dsl.workloads);
    expect(scenarioFromSpec(JSON.parse(JSON.stringify(dsl))).expectations.map((e) => e.name)).toContain('api-flood:validator-1');
    expect(() => base().floodApi({ rate: 0, requests: ['dos' as never], invalidShare: 2 }).build()).toThrow(/api-flood\.rate: 0; allowed: requests per second[\s\S]*api-flood\.invalidShare: 2[\s\S]*api-flood\.requests\[0\]: "dos"/);
    expect(() => ScenarioBuilder.topology().validators(1).apply().onChain({ type: 'devnet', defensesOff: 'all' }).build()).toThrow(/chain\.defensesOff: "all"; allowed: true \(every node\), node names/);
  });

  it('controlBatch takes a funded wallet of its own (from the end), forgedBatch sizes the forged batches; both checked', () => {
    const dsl = base().floodApi({ controlBatch: 64, forgedBatch: 8192 }).buildSpec();
    expect(dsl.workloads[0]).toMatchObject({ type: 'api-flood', controlBatch: 64, forgedBatch: 8192 });
    const json = specFromJson(JSON.stringify({ topology: { validators: 2 }, wallets: { count: 6 }, workloads: [{ type: 'api-flood', controlBatch: 64, forgedBatch: 8192 }] }));
    expect(json.workloads[0]).toEqual(dsl.workloads[0]);
    expect(adversaryWallets(dsl)).toEqual([{ workload: 0, type: 'api-flood', from: 5, to: 6 }]);
    // without transfers the control client only reads: no wallet taken
    expect(adversaryWallets(base().floodApi({}).buildSpec())).toEqual([]);
    expect(() => base().floodApi({ controlBatch: -1, forgedBatch: 0 }).build()).toThrow(/api-flood\.controlBatch: -1; allowed: an integer from 0 to 4096[\s\S]*api-flood\.forgedBatch: 0; allowed: an integer from 1 to 100000/);
    expect(() => ScenarioBuilder.topology().validators(2).apply().wallets(2).transactions().users(2).apply().floodApi({ controlBatch: 64 }).build()).toThrow(/api-flood\.controlBatch: 2; allowed: more wallets, or transactions wallets 0\.\.1 ending below 1: api-flood sends from wallets 1\.\.1/);
  });
});

describe('mutations', () => {
  it('never give back the valid original (2,000 seeded bit flips all differ from a valid signature)', () => {
    const key = deriveKeyPair(2, 'wallet', 0).key;
    const crafter = new TxCrafter(key, seededRandom(11), 'unit', 1);
    for (let i = 0; i < 2000; i++) {
      const m = crafter.mutation('bit-flip');
      const id = idIfDecodes(m.bytes);
      if (id === undefined) continue;
      const tx = decodeTx(m.bytes);
      expect(key.publicKey.length).toBe(32);
      // a decodable mutation must fail the signature check
      expect(ed25519Backend('sodium').verify(m.bytes.subarray(m.bytes.length - 64), tx.message, m.bytes.subarray(1, 33))).toBe(false);
    }
  });
});
