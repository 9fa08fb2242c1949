/**
 * The seed's API DoS/Stress Test: 10,000 requests per second at validator-0's API for 30 s (half invalid:
 * unknown paths, bad JSON, bad batch frames, bad account ids, batches of transactions with fresh invalid
 * signatures), while transfers go on and a control client on its own address reads the chain's info every
 * 50 ms. The devnet's per-client budget is lowered to 2,000 requests/s so the flood meets it; `defensesOff`
 * (e.g. LOADNET_FLOOD_UNPROTECTED=1) switches validator-0's defenses off to see the same flood without them;
 * LOADNET_FLOOD_REQUESTS (e.g. info,health,not-found,bad-account) floods with those request kinds only, and
 * LOADNET_FLOOD_PIPELINING and LOADNET_FLOOD_CONNECTIONS (defaults: floodApi's) set how many requests each flood
 * socket has in flight and over how many sockets.
 * LOADNET_FLOOD_BUDGET sets validator-0's per-client budget (requests/s; burst twice that).
 * LOADNET_FLOOD_FORGED=1 (or the `forged` option) runs the flood an unprotected node fails (see ApiFloodOptions.forged).
 * Expectations: the flood's rate reached, the control client's p99 ≤ 500 ms, validator-0's chain growing,
 * the chain live; the error mix (2xx/4xx/429/5xx/timeouts) is in the run's `apiFlood` summary section.
 *
 *   npm run loadnet -- run examples/api-flood.ts [--duration 20s] [--deployer compose]
 *   npx tsx examples/api-flood.ts         (as a script; LOADNET_DEPLOYER, LOADNET_DURATION)
 */
import { ScenarioBuilder, type FloodRequestKind, type Scenario } from 'loadnet';
import { isMain, runAsScript } from './support.js';

export interface ApiFloodOptions {
  /** The flood's rate (default 10,000 requests/s) and the share of it that must be reached (default 0.9). */
  rate?: number;
  minRateFraction?: number;
  /** validator-0's per-client budget (default 2,000 requests/s, burst twice that). */
  budgetPerSec?: number;
  /** The control client's p99 bound (default 500 ms). */
  controlP99?: string;
  /**
   * The flood the unprotected node fails (test/integration/adversary-flood.test.ts): mostly reads and block pages,
   * 0.5 % of the requests batches of 8,192 forged signatures, 64 connections; the control client also submits 64
   * transfers every 500 ms (from wallet 9, the transfers keep 0-8); timeout 10 s, control p99 bound 3 s (unless controlP99).
   */
  forged?: boolean;
}

export function apiFlood(options: ApiFloodOptions = {}): Scenario {
  if (process.env.LOADNET_FLOOD_FORGED === '1') options = { forged: true, ...options };
  const unprotected = process.env.LOADNET_FLOOD_UNPROTECTED === '1';
  const budget = options.budgetPerSec ?? (process.env.LOADNET_FLOOD_BUDGET ? Number(process.env.LOADNET_FLOOD_BUDGET) : 2000);
  const requests = process.env.LOADNET_FLOOD_REQUESTS?.split(',').filter(Boolean) as FloodRequestKind[] | undefined;
  const pipelining = process.env.LOADNET_FLOOD_PIPELINING ? Number(process.env.LOADNET_FLOOD_PIPELINING) : undefined;
  const connections = process.env.LOADNET_FLOOD_CONNECTIONS ? Number(process.env.LOADNET_FLOOD_CONNECTIONS) : undefined;
  return ScenarioBuilder.topology()
      .networkFull()
      .validators(3)
      .apply()
    .onChain({ type: 'devnet', api: { requestsPerSec: budget, requestBurst: 2 * budget }, ...(unprotected ? { defensesOff: ['validator-0'] } : {}) })
    .slotDuration('500ms')
    .activeSlotCoeff(0.8)
    .securityParam(3)
    .wallets(10)
    .transactions()
      .ratePerSecond(10)
      .users(options.forged ? 9 : 10)
      .apply()
    .floodApi({
      rate: options.rate ?? 10_000,
      minRateFraction: options.minRateFraction ?? 0.9,
      target: 'validator-0',
      controlP99: options.controlP99 ?? (options.forged ? '3s' : '500ms'),
      ...(options.forged ? { requests: ['info', 'health', 'blocks', 'not-found', 'bad-signatures'] as FloodRequestKind[], invalidShare: 0.01, forgedBatch: 8192, connections: 64, controlBatch: 64, timeout: '10s' } : {}),
      ...(requests ? { requests } : {}),
      ...(pipelining ? { pipelining } : {}),
      ...(connections ? { connections } : {}),
    })
    .expectConsensusLiveness()
    .withRunDuration('30s')
    .named(unprotected ? 'api-flood-unprotected' : 'api-flood')
    .build();
}

export default apiFlood;

if (isMain(import.meta.url)) runAsScript(() => [apiFlood()]);
