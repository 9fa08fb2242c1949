/** Node config checking: defaults fill what a hand-written file leaves out; every problem is reported at once. */
import { describe, expect, it } from 'vitest';
import { checkNodeConfig, NODE_DEFAULTS } from '../../src/node/config-load.js';
import { DEFENSE_NAMES, apiLimitsWith, configWithDefenses, defensesOffFromEnv, offSet } from '../../src/node/defenses.js';
import { LoadnetError } from '../../src/errors.js';
import { BLOCKS_PER_REQUEST, blockPageCharge } from '../../src/node/api-routes.js';

const minimal = {
  name: 'n0',
  role: 'validator',
  identitySeed: '11'.repeat(32),
  dataDir: '/tmp/x',
  api: { host: '127.0.0.1', port: 0 },
  p2p: { host: '127.0.0.1', port: 0 },
  genesis: { chainId: 'c', timeMs: 0, epochNonce: '00'.repeat(32), accounts: [], validators: [{ publicKey: '22'.repeat(32), stake: 1 }] },
};

describe('node config', () => {
  it('fills defaults: 1 s slots, f = 0.5, k = 10, blocks of 5000 txs, burn fees, no testing API', () => {
    const c = checkNodeConfig(minimal);
    expect(c.consensus).toEqual(NODE_DEFAULTS.consensus);
    expect(c.consensus).toMatchObject({ slotDurationMs: 1000, activeSlotCoeff: 0.5, securityParam: 10 });
    expect(c.block.maxTxs).toBeGreaterThanOrEqual(5000);
    expect(c.fees).toBe('burn');
    expect(c.testing).toBeNull();
    expect(checkNodeConfig({ ...minimal, consensus: { securityParam: 3 } }).consensus.slotDurationMs).toBe(1000);
  });

  it('reports every invalid field with what is allowed', () => {
    let err: { code?: string; issues?: Array<{ field: string }>; message?: string } = {};
    try {
      checkNodeConfig({ ...minimal, role: 'miner', identitySeed: 'xyz', fees: 'free', verifyThreads: -1, genesis: { ...minimal.genesis, validators: [] }, peers: [{ host: 'h', port: 0 }] });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('LN_ERR_CONFIG_INVALID');
    expect(err.issues?.map((i) => i.field).sort()).toEqual(['fees', 'genesis.validators', 'identitySeed', 'peers.0.port', 'role', 'verifyThreads']);
    expect(err.message).toContain("allowed 'burn' or 'leader'");
    expect(() => checkNodeConfig(null)).toThrow(/JSON object/);
  });

  it('checks the defense settings: known names, non-negative integers, a known corruption policy', () => {
    const ok = checkNodeConfig({ ...minimal, api: { ...minimal.api, limits: { idleTimeoutMs: 0, batchAbandonAfter: 64 } }, p2p: { ...minimal.p2p, defenses: { maxPendingHandshakes: 8 } }, storage: { onCorruptRecord: 'resync' } });
    expect(ok.api.limits).toEqual({ idleTimeoutMs: 0, batchAbandonAfter: 64 });
    let err: { issues?: Array<{ field: string; allowed: string }> } = {};
    try {
      checkNodeConfig({ ...minimal, api: { ...minimal.api, limits: { idleTimeout: 5, maxConnections: -1 } }, p2p: { ...minimal.p2p, defenses: { pingsPerSec: 1.5 } }, storage: { onCorruptRecord: 'ignore' } });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.issues?.map((i) => i.field).sort()).toEqual(['api.limits.idleTimeout', 'api.limits.maxConnections', 'p2p.defenses.pingsPerSec', 'storage.onCorruptRecord']);
    expect(err.issues?.find((i) => i.field === 'api.limits.idleTimeout')?.allowed).toMatch(/no such limit; known: headerTimeoutMs, idleTimeoutMs/);
  });

  it('the defenses switch (a test aid): LOADNET_DEFENSES on/off/off:<names>, defensesOff names checked, switched-off limits at 0', () => {
    expect(defensesOffFromEnv(undefined)).toEqual([]);
    expect(defensesOffFromEnv('on')).toEqual([]);
    expect(defensesOffFromEnv('off')).toEqual(DEFENSE_NAMES);
    expect(defensesOffFromEnv('off:ping-rate, handshake-deadline')).toEqual(['ping-rate', 'handshake-deadline']);
    expect(() => defensesOffFromEnv('no')).toThrow(/LOADNET_DEFENSES: got "no"; allowed: on, off, or off:<name>,<name>/);
    expect(() => defensesOffFromEnv('off:ping-rates')).toThrow(/no such defense: ping-rates; known: all, invalid-signature-memory/);
    expect(() => checkNodeConfig({ ...minimal, defensesOff: ['firewall'] })).toThrow(/defensesOff: .*no such defense: firewall/);
    const c = configWithDefenses(checkNodeConfig({ ...minimal, api: { ...minimal.api, limits: { idleTimeoutMs: 7 } }, p2p: { ...minimal.p2p, defenses: { pingsPerSec: 3, maxAddressBook: 9 } }, defensesOff: ['http-idle-timeout', 'ping-rate'] }));
    expect(c.api.limits).toEqual({ idleTimeoutMs: 0 });
    expect(c.p2p.defenses).toEqual({ pingsPerSec: 0, maxAddressBook: 9 });
    const all = configWithDefenses(checkNodeConfig({ ...minimal, defensesOff: ['all'] }));
    expect(Object.values(all.p2p.defenses!).every((v) => v === 0)).toBe(true);
    expect(all.api.limits).toMatchObject({ headerTimeoutMs: 0, idleTimeoutMs: 0, maxConnections: 0, requestsPerSec: 0, requestTimeoutMs: 0, maxInflightBodyBytes: 0, batchAbandonAfter: 0, blocksPerRequest: 0 });
  });

  it('a blocks page is priced by the blocks it serves (http-blocks-price), one request when that is off', () => {
    // one request's worth per BLOCKS_PER_REQUEST blocks, the request itself included
    expect([0, 1, 10, 11, 100].map((n) => blockPageCharge(n, BLOCKS_PER_REQUEST))).toEqual([0, 0, 9, 10, 99]);
    expect([10, 11, 100].map((n) => blockPageCharge(n, 10))).toEqual([0, 1, 9]);
    expect(blockPageCharge(100, 0)).toBe(0);
    expect(checkNodeConfig({ ...minimal, api: { ...minimal.api, limits: { blocksPerRequest: 5 } } }).api.limits).toEqual({ blocksPerRequest: 5 });
    expect(() => checkNodeConfig({ ...minimal, api: { ...minimal.api, limits: { blocksPerRequest: -1 } } })).toThrow(/api\.limits\.blocksPerRequest/);
    expect(configWithDefenses(checkNodeConfig({ ...minimal, api: { ...minimal.api, limits: { blocksPerRequest: 5 } }, defensesOff: ['http-blocks-price'] })).api.limits).toEqual({ blocksPerRequest: 0 });
  });
});

describe('overload shed config', () => {
  const issues = (limits: object) => {
    try {
      checkNodeConfig({ ...minimal, api: { ...minimal.api, limits } });
      return [];
    } catch (e) {
      expect(e).toBeInstanceOf(LoadnetError);
      return (e as LoadnetError & { issues: Array<{ field: string; allowed: string }> }).issues;
    }
  };

  it('api.limits.overloadDelayMs 0 or ≥ 20, shedFloorPerSec ≥ 1 while the shed is on; the switch zeroes the delay', () => {
    expect(issues({ overloadDelayMs: 50, shedFloorPerSec: 10 })).toEqual([]);
    expect(issues({ overloadDelayMs: 0, shedFloorPerSec: 0 })).toEqual([]);
    expect(issues({ overloadDelayMs: 5 })).toEqual([expect.objectContaining({ field: 'api.limits.overloadDelayMs', allowed: '0 (no overload shedding) or an integer ≥ 20 (ms)' })]);
    expect(issues({ shedFloorPerSec: 0 })).toEqual([expect.objectContaining({ field: 'api.limits.shedFloorPerSec', allowed: expect.stringMatching(/≥ 1 .* set api.limits.overloadDelayMs to 0/) })]);
    expect(issues({ overloadDelayMs: -1 })[0]).toMatchObject({ field: 'api.limits.overloadDelayMs', allowed: 'an integer ≥ 0' });
    expect(apiLimitsWith({ overloadDelayMs: 50 }, offSet(['http-overload-shed']))).toEqual({ overloadDelayMs: 0 });
  });
});
