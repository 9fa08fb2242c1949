/**
 * Reading and checking a node config file: every problem is reported at once as
 * LN_ERR_CONFIG_INVALID with the field, the value received and what is allowed.
 */
import * as fs from 'node:fs';
import { LoadnetError, type ValidationIssue } from '../errors.js';
import type { NodeConfig } from './config.js';
import { DEFAULT_HTTP_LIMITS } from './http-server.js';
import { DEFAULT_DEFENSES } from './p2p/network.js';
import { unknownDefense } from './defenses.js';

const HEX32 = /^[0-9a-f]{64}$/;

/** Defaults for the fields a hand-written config may leave out (fast tests: 1 s slots, f=0.5, k=10). */
export const NODE_DEFAULTS = {
  consensus: { slotDurationMs: 1000, activeSlotCoeff: 0.5, securityParam: 10, clockToleranceMs: 500 },
  mempool: { maxCount: 200_000, maxBytes: 128 * 1024 * 1024, maxNonceGap: 1000, ttlMs: 120_000, minFee: 0 },
  block: { maxTxs: 5000, maxBytes: 4 * 1024 * 1024 },
  fees: 'burn' as const,
  da: { subnetworks: 4 },
  parentPid: null,
  clockOffsetMs: 0,
  logLevel: 'info' as const,
  testing: null,
  peers: [],
};

/** 127.0.0.0/8, ::1 or localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export function checkNodeConfig(raw: unknown): NodeConfig {
  const issues: ValidationIssue[] = [];
  const bad = (field: string, value: unknown, allowed: string) => issues.push({ field, value, allowed });
  if (typeof raw !== 'object' || raw === null) throw new LoadnetError('LN_ERR_CONFIG_INVALID', 'node config must be a JSON object');
  const r = raw as Record<string, any>;
  const c = {
    ...NODE_DEFAULTS,
    ...r,
    consensus: { ...NODE_DEFAULTS.consensus, ...(r.consensus ?? {}) },
    mempool: { ...NODE_DEFAULTS.mempool, ...(r.mempool ?? {}) },
    block: { ...NODE_DEFAULTS.block, ...(r.block ?? {}) },
    da: { ...NODE_DEFAULTS.da, ...(r.da ?? {}) },
  } as unknown as NodeConfig;
  const str = (f: string, v: unknown) => (typeof v === 'string' && v.length > 0) || bad(f, v, 'a non-empty string');
  const int = (f: string, v: unknown, min: number) => (Number.isSafeInteger(v) && (v as number) >= min) || bad(f, v, `an integer ≥ ${min}`);
  const hostPort = (f: string, v: any, port0 = true) => {
    if (typeof v !== 'object' || v === null) return bad(f, v, '{host, port}');
    str(`${f}.host`, v.host);
    if (!Number.isInteger(v.port) || v.port < (port0 ? 0 : 1) || v.port > 65535) bad(`${f}.port`, v.port, `a port ${port0 ? 0 : 1}..65535`);
  };
  str('name', c.name);
  if (c.role !== 'validator' && c.role !== 'executor') bad('role', c.role, "'validator' or 'executor'");
  if (typeof c.identitySeed !== 'string' || !HEX32.test(c.identitySeed)) bad('identitySeed', c.identitySeed, '32 bytes as 64 lowercase hex chars');
  str('dataDir', c.dataDir);
  hostPort('api', c.api);
  const defenses = (c.p2p as { defenses?: unknown } | undefined)?.defenses;
  if (defenses !== undefined) {
    if (typeof defenses !== 'object' || defenses === null) bad('p2p.defenses', defenses, 'an object of non-negative integers');
    else {
      const known = Object.keys(DEFAULT_DEFENSES);
      for (const [k, v] of Object.entries(defenses)) {
        if (known.includes(k)) int(`p2p.defenses.${k}`, v, 0);
        else bad(`p2p.defenses.${k}`, v, `no such defense; known: ${known.join(', ')}`);
      }
    }
  }
  const limits = (c.api as { limits?: unknown } | undefined)?.limits;
  if (limits !== undefined) {
    if (typeof limits !== 'object' || limits === null) bad('api.limits', limits, 'an object of non-negative integers');
    else {
      const known = [...Object.keys(DEFAULT_HTTP_LIMITS), 'batchAbandonAfter', 'invalidSignatureCost', 'blocksPerRequest', 'verifyPendingPerClient', 'verifyPendingMax'];
      for (const [k, v] of Object.entries(limits)) {
        if (known.includes(k)) int(`api.limits.${k}`, v, 0);
        else bad(`api.limits.${k}`, v, `no such limit; known: ${known.join(', ')}`);
      }
      const l = limits as { overloadDelayMs?: unknown; shedFloorPerSec?: unknown };
      // The shed samples the event loop every 10 ms: a shorter delay would be the sampling's own noise.
      if (typeof l.overloadDelayMs === 'number' && l.overloadDelayMs > 0 && l.overloadDelayMs < 20) bad('api.limits.overloadDelayMs', l.overloadDelayMs, '0 (no overload shedding) or an integer ≥ 20 (ms)');
      // A held client's rate grows back by a factor: at 0 a client once held would stay at 0.
      if (l.shedFloorPerSec === 0 && l.overloadDelayMs !== 0) bad('api.limits.shedFloorPerSec', 0, 'an integer ≥ 1 (requests/s) while the overload shed is on; to switch the shed off set api.limits.overloadDelayMs to 0');
    }
  }
  hostPort('p2p', c.p2p);
  if (c.testing !== null) {
    hostPort('testing', c.testing);
    const token = (c.testing as { token?: unknown }).token;
    if (token !== undefined && !(typeof token === 'string' && /^[\x21-\x7e]{16,}$/.test(token))) bad('testing.token', '<hidden>', 'at least 16 printable characters without spaces');
    // Faults and the clock are the node's to be told only by the run: off loopback, only with a token.
    else if (token === undefined && typeof c.testing.host === 'string' && !isLoopback(c.testing.host)) {
      bad('testing.token', undefined, `a token: the testing API binds ${c.testing.host}, not a loopback address, and would take faults and clock changes from anyone who reaches it`);
    }
  }
  if (!Array.isArray(c.peers)) bad('peers', c.peers, 'an array of {host, port}');
  else c.peers.forEach((p, i) => hostPort(`peers.${i}`, p, false));
  const g = c.genesis as any;
  if (typeof g !== 'object' || g === null) bad('genesis', g, 'an object {chainId, timeMs, epochNonce, accounts, validators}');
  else {
    str('genesis.chainId', g.chainId);
    int('genesis.timeMs', g.timeMs, 0);
    if (typeof g.epochNonce !== 'string' || !/^([0-9a-f]{2})+$/.test(g.epochNonce)) bad('genesis.epochNonce', g.epochNonce, 'non-empty lowercase hex');
    if (!Array.isArray(g.accounts)) bad('genesis.accounts', g.accounts, 'an array of {publicKey, balance}');
    else
      g.accounts.forEach((a: any, i: number) => {
        if (!HEX32.test(a?.publicKey)) bad(`genesis.accounts.${i}.publicKey`, a?.publicKey, '64 lowercase hex chars');
        int(`genesis.accounts.${i}.balance`, a?.balance, 0);
      });
    if (!Array.isArray(g.validators) || g.validators.length === 0) bad('genesis.validators', g.validators, 'a non-empty array of {publicKey, stake}');
    else
      g.validators.forEach((v: any, i: number) => {
        if (!HEX32.test(v?.publicKey)) bad(`genesis.validators.${i}.publicKey`, v?.publicKey, '64 lowercase hex chars');
        int(`genesis.validators.${i}.stake`, v?.stake, 1);
      });
  }
  int('consensus.slotDurationMs', c.consensus.slotDurationMs, 10);
  const f = c.consensus.activeSlotCoeff;
  if (typeof f !== 'number' || !(f > 0 && f <= 1)) bad('consensus.activeSlotCoeff', f, 'a number in (0, 1]');
  int('consensus.securityParam', c.consensus.securityParam, 1);
  int('consensus.clockToleranceMs', c.consensus.clockToleranceMs, 0);
  int('mempool.maxCount', c.mempool.maxCount, 1);
  int('mempool.maxBytes', c.mempool.maxBytes, 1024);
  int('mempool.maxNonceGap', c.mempool.maxNonceGap, 0);
  int('mempool.ttlMs', c.mempool.ttlMs, 1);
  int('mempool.minFee', c.mempool.minFee, 0);
  int('block.maxTxs', c.block.maxTxs, 1);
  int('block.maxBytes', c.block.maxBytes, 1024);
  if (c.fees !== 'burn' && c.fees !== 'leader') bad('fees', c.fees, "'burn' or 'leader'");
  int('da.subnetworks', c.da.subnetworks, 1);
  if (c.parentPid !== null) int('parentPid', c.parentPid, 1);
  if (!Number.isFinite(c.clockOffsetMs)) bad('clockOffsetMs', c.clockOffsetMs, 'a number of milliseconds');
  if (c.verifyThreads !== undefined) int('verifyThreads', c.verifyThreads, 0);
  if (c.defensesOff !== undefined) {
    if (!Array.isArray(c.defensesOff) || !c.defensesOff.every((n) => typeof n === 'string')) bad('defensesOff', c.defensesOff, 'an array of defense names');
    else {
      const problem = unknownDefense(c.defensesOff);
      if (problem) bad('defensesOff', c.defensesOff, problem);
    }
  }
  if (c.storage !== undefined && (typeof c.storage !== 'object' || c.storage === null || ![undefined, 'stop', 'resync'].includes(c.storage.onCorruptRecord))) bad('storage.onCorruptRecord', c.storage?.onCorruptRecord, "'stop' or 'resync'");
  if (!['debug', 'info', 'warn', 'error'].includes(c.logLevel)) bad('logLevel', c.logLevel, "'debug', 'info', 'warn' or 'error'");
  if (issues.length > 0) {
    const list = issues.map((i) => `${i.field}: got ${JSON.stringify(i.value)?.slice(0, 80)}, allowed ${i.allowed}`).join('; ');
    throw new LoadnetError('LN_ERR_CONFIG_INVALID', `node config invalid: ${list}`, { issues });
  }
  return c;
}

export function loadNodeConfig(file: string): NodeConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new LoadnetError('LN_ERR_CONFIG_INVALID', `cannot read node config ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new LoadnetError('LN_ERR_CONFIG_INVALID', `node config ${file} is not JSON: ${(e as Error).message}`);
  }
  return checkNodeConfig(raw);
}
