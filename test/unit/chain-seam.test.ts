import { describe, expect, it } from 'vitest';
import { scenarioFromSpec } from '../../src/scenario/build.js';
import { chainAdapter, chainNames, registerChain } from '../../src/adapters/registry.js';
import { createTxFactory } from '../../src/adapters/devnet/tx-factory.js';
import type { ChainAdapter } from '../../src/adapters/seam.js';
import { deriveSeed } from '../../src/adapters/devnet/wire/keys.js';
import { toHex } from '../../src/util/bytes.js';

const base = { topology: { validators: 1 }, durationMs: '10s', wallets: { count: 2 } };

describe('chain seam: scenario', () => {
  it('defaults to the devnet and keeps a spec without `chain` unchanged', () => {
    const s = scenarioFromSpec(base);
    expect(s.spec.chain).toBeUndefined();
    expect(chainAdapter().name).toBe('devnet');
    expect(scenarioFromSpec({ ...base, chain: { type: 'devnet' } }).spec.chain).toEqual({ type: 'devnet' });
  });

  it('names the known chains for an unknown type, and refuses options the devnet does not take', () => {
    expect(() => scenarioFromSpec({ ...base, chain: { type: 'solana' } })).toThrow(/chain\.type: "solana"; allowed: devnet/);
    expect(() => scenarioFromSpec({ ...base, chain: { type: 'devnet', blockTime: 2 } })).toThrow(/chain\.blockTime: 2; allowed: mempool/);
    expect(() => scenarioFromSpec({ ...base, chain: 'devnet' })).toThrow(/chain: "devnet"; allowed: an object/);
  });

  it('refuses at validation what a registered chain does not support, naming the chain and the feature', () => {
    const tiny: ChainAdapter = { ...chainAdapter('devnet'), name: 'tiny', roles: ['validator'], capabilities: new Set(['mempool']), checkOptions: () => [] };
    registerChain(tiny);
    expect(chainNames()).toContain('tiny');
    const spec = { ...base, chain: { type: 'tiny' }, topology: { validators: 2, executors: 1 }, nodeControl: true, workloads: [{ type: 'da' }], expectations: [{ type: 'supply-conserved' }, { type: 'safety' }] };
    let message = '';
    try {
      scenarioFromSpec(spec);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/workloads\[0\]: "da"; allowed: a feature chain 'tiny' has: it has no data availability/);
    expect(message).toMatch(/expectations\[0\]: "supply-conserved".*chain 'tiny'.*no supply or replayable ledger/);
    expect(message).toMatch(/expectations\[1\]: "safety".*several block producers/);
    expect(message).toMatch(/nodeControl: true.*no node control/);
    expect(message).toMatch(/topology: "3 nodes".*no multi-node deployment/);
    expect(message).toMatch(/topology\.executors: 1.*no executor role/);
  });
});

describe('chain seam: the devnet transaction factory', () => {
  const wallets = [0, 1].map((i) => ({ index: i, secret: toHex(deriveSeed('seam', 'wallet', i)) }));
  const addresses = wallets.map((w) => chainAdapter('devnet').addressOf(w.secret));
  const f = createTxFactory({ wallets, recipients: addresses, params: { fee: 1, amount: 2 }, options: {} });

  it('signs deterministically by (wallet, nonce) and knows its addresses', () => {
    expect(f.addresses).toEqual(addresses);
    expect(f.sign(0, 5).id).toBe(f.sign(0, 5).id);
    expect(f.sign(0, 5).id).not.toBe(f.sign(0, 6).id);
  });

  it('maps the devnet answers to generic outcome classes; a failed reply is a transport error for all', () => {
    const answers = f.submitAnswers(200, JSON.stringify({ results: ['ok', 'duplicate', 'nonce_too_low', 'nonce_gap', 'mempool_full', 'weird', 3] }), 7)!;
    expect(answers.map((a) => a && [a.outcome, a.reason])).toEqual([['accepted', 'ok'], ['duplicate', 'duplicate'], ['stale_nonce', 'nonce_too_low'], ['nonce_gap', 'nonce_gap'], ['rejected', 'mempool_full'], ['rejected', 'other'], undefined]);
    expect(f.submitAnswers(500, '{}', 2)).toBeUndefined();
    expect(f.submitAnswers(200, 'not json', 2)).toBeUndefined();
    expect(f.nonceAnswer(200, '{"nonce":7,"balance":1}')).toBe(7);
    expect(() => f.nonceAnswer(404, '')).toThrow();
  });
});
