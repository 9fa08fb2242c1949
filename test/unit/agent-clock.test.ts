// The agents' clocks through a session: a fake agent on a local socket (it answers the handshake and the clock
// probes from a clock it steps by +500 ms a second after connecting, then sends one report stamped on that clock).
// The coordinator follows the step within a probe, and the report's time comes back on the coordinator's clock;
// the connect-time offset alone would be 500 ms off. bestClock passes over a probe that queued on a busy link.
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { agentShards, bestClock, CLOCK_PROBE_MS, type AgentClockSample } from '../../src/load/agent-client.js';
import type { ShardInit, WorkerMessage } from '../../src/load/protocol.js';
import { nowMs, sleep } from '../../src/util/clock.js';
import { fakeAgent } from '../setup/fake-agent.js';

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe('agent clocks through a session', () => {
  it('follow a stepped agent clock within a probe and correct report times by the offset in use', async () => {
    const connectedAt = nowMs();
    const agentClock = () => nowMs() + 1000 + (nowMs() - connectedAt > 1000 ? 500 : 0);
    let sock: Socket | undefined;
    const { address, server } = await fakeAgent({ clock: agentClock, onConnect: (s) => (sock = s) });
    servers.push(server);
    const samples: AgentClockSample[] = [];
    const init = { workerIndex: 0, wallets: [] } as unknown as ShardInit;
    const host = await agentShards([address], { type: 'devnet' }, [init], { onClock: (c) => samples.push(c) });
    try {
      const atConnect = host.agents[0]!.offsetMs;
      expect(atConnect).toBeGreaterThan(990);
      expect(atConnect).toBeLessThan(1010);
      const got: WorkerMessage[] = [];
      host.links[0]!.onMessage((m) => got.push(m));
      await sleep(CLOCK_PROBE_MS + 800);
      expect(samples.length).toBeGreaterThanOrEqual(1);
      const last = samples.at(-1)!;
      expect(last.offsetMs, 'the step followed').toBeGreaterThan(1490);
      expect(last.offsetMs).toBeLessThan(1510);
      expect(host.agents[0]!.offsetMs).toBe(last.offsetMs);
      const sentAt = nowMs();
      const report = { type: 'report', workerIndex: 0, atMs: agentClock(), acceptedIntended: [], acceptedIds: '', sent: 0, accepted: 0, rejected: {}, errored: 0, final: false };
      sock!.write(`${JSON.stringify({ type: 'shard', workerIndex: 0, message: report })}\n`);
      for (let i = 0; i < 100 && got.length === 0; i++) await sleep(10);
      const back = got[0] as { atMs: number };
      expect(Math.abs(back.atMs - sentAt), 'report time on the coordinator clock').toBeLessThan(50);
    } finally {
      await host.destroy();
    }
  });

  it('the estimate passes over a probe that queued behind reports', () => {
    const fast = { offsetMs: 2, uncertaintyMs: 0.2, rttMs: 0.4 };
    const queued = { offsetMs: 40, uncertaintyMs: 45, rttMs: 90 };
    expect(bestClock([fast, queued])).toBe(fast);
    const later = { offsetMs: 7, uncertaintyMs: 0.3, rttMs: 0.6 };
    expect(bestClock([fast, queued, later])).toBe(later);
  });
});
