// The agents' clocks through a session: a fake agent on a local socket (it answers the handshake and the clock
// probes from a clock the test steps by +500 ms after connecting, then sends one report stamped on that clock).
// The coordinator follows the step within a probe that did not queue, and the report's time comes back on the
// coordinator's clock; the connect-time offset alone would be 500 ms off. Bounds are each estimate's own
// uncertainty (half its round trip), so a loaded machine widens them only as much as it delayed the probes.
// bestClock passes over a probe that queued on a busy link.
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { agentShards, bestClock, CLOCK_PROBE_MS, type AgentClockSample } from '../../src/load/agent-client.js';
import type { ShardInit, WorkerMessage } from '../../src/load/protocol.js';
import { nowMs, sleep } from '../../src/util/clock.js';
import { fakeAgent } from '../setup/fake-agent.js';

const servers: Array<{ close(): void }> = [];
/** Float rounding of the clock arithmetic (ms). */
const EPS = 1e-6;
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe('agent clocks through a session', () => {
  it('follow a stepped agent clock within a probe and correct report times by the offset in use', async () => {
    // The test steps the agent's clock once the connect-time offset is measured (not at a fixed time: on a
    // loaded machine the eight connect probes can outlast any fixed delay).
    let stepped = false;
    const agentClock = () => nowMs() + 1000 + (stepped ? 500 : 0);
    let sock: Socket | undefined;
    const { address, server } = await fakeAgent({ clock: agentClock, onConnect: (s) => (sock = s) });
    servers.push(server);
    const samples: AgentClockSample[] = [];
    const init = { workerIndex: 0, wallets: [] } as unknown as ShardInit;
    const host = await agentShards([address], { type: 'devnet' }, [init], { onClock: (c) => samples.push(c) });
    try {
      // An offset is the agent's time less the probe's midpoint: within half the round trip of the truth.
      const { offsetMs: atConnect, uncertaintyMs: connectU, rttMs: connectRtt } = host.agents[0]!;
      expect(Math.abs(atConnect - 1000), `connect offset ${atConnect} ± ${connectU} ms`).toBeLessThanOrEqual(connectU + EPS);
      stepped = true;
      const before = samples.length;
      const got: WorkerMessage[] = [];
      host.links[0]!.onMessage((m) => got.push(m));
      // Followed within one probe unless that probe queued (a busy machine delays one side's answer): a probe is
      // passed over when its round trip exceeds twice the window's shortest + 1 ms (bestClock). Each probe after
      // the step that is not passed over must become the estimate; once the pre-step probes left the window
      // (CLOCK_WINDOW = 5) the estimate must follow whatever the round trips.
      const after = () => samples.slice(before);
      const followed = () => after().some((s) => Math.abs(s.offsetMs - 1500) <= s.uncertaintyMs + EPS);
      const deadline = nowMs() + 8 * CLOCK_PROBE_MS;
      while (!followed() && nowMs() < deadline) await sleep(50);
      let fastest = connectRtt;
      for (const s of after()) {
        fastest = Math.min(fastest, s.sampleRttMs);
        expect(Math.abs(s.sampleOffsetMs - 1500), `probe at ${s.atMs}: its own offset ${s.sampleOffsetMs} ± ${s.sampleRttMs / 2} ms`).toBeLessThanOrEqual(s.sampleRttMs / 2 + EPS);
        if (s.sampleRttMs <= 2 * fastest + 1) expect(s.offsetMs, `probe at ${s.atMs} (round trip ${s.sampleRttMs} ms, shortest ${fastest}) not passed over`).toBe(s.sampleOffsetMs);
      }
      expect(followed(), `the step followed within ${8 * CLOCK_PROBE_MS} ms: ${JSON.stringify(after())}`).toBe(true);
      const last = samples.at(-1)!;
      expect(host.agents[0]!.offsetMs).toBe(last.offsetMs);
      const u = host.agents[0]!.uncertaintyMs;
      const sentAt = nowMs();
      const report = { type: 'report', workerIndex: 0, atMs: agentClock(), acceptedIntended: [], acceptedIds: '', sent: 0, accepted: 0, rejected: {}, errored: 0, final: false };
      const stamped = nowMs(); // the agent's stamp was read between sentAt and this
      sock!.write(`${JSON.stringify({ type: 'shard', workerIndex: 0, message: report })}\n`);
      for (let i = 0; i < 500 && got.length === 0; i++) await sleep(10);
      expect(got.length, 'the report came back through the link').toBe(1);
      const back = got[0] as { atMs: number };
      // On the coordinator's clock: within the offset's uncertainty of when the agent stamped it.
      expect(back.atMs - sentAt, `report time on the coordinator clock (offset ± ${u} ms)`).toBeGreaterThanOrEqual(-u - EPS);
      expect(back.atMs - stamped, `report time on the coordinator clock (offset ± ${u} ms)`).toBeLessThanOrEqual(u + EPS);
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
