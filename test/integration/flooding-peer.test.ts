/**
 * The flooding peer against real devnet nodes (LocalDeployer): a Byzantine peer joins validator-0 through the
 * normal handshake and publishes 200 messages/s of stale and duplicate blocks, duplicate and bad-signature
 * transactions and unsolicited DA shares. The victim's score for it falls, it is throttled, disconnected and
 * banned (a reconnect is refused), the chain goes on: flooding-peer passes. With the peer-ban defense off
 * (LOADNET_DEFENSES=off:peer-ban, inherited by the node processes) the same flood is never cut off and the
 * expectation fails, naming the numbers. Both saved runs re-judged from their records get the live verdicts;
 * the passing one judged with a ban bound 1 ms under its time to ban fails.
 */
import { describe, expect, it } from 'vitest';
import { LocalDeployer, ScenarioBuilder, type FloodingPeerReport } from 'loadnet';
import { runsForFile } from './helpers/file-runs.js';
import { expectLiveVerdicts, rejudge } from './helpers/rejudge.js';

const runs = runsForFile('loadnet-flooding-peer-', (outDir) => new LocalDeployer({ outDir }));

const scenario = (name: string) =>
  ScenarioBuilder.topology()
      .networkFull()
      .validators(3)
      .apply()
    .slotDuration('500ms')
    .activeSlotCoeff(0.8)
    .securityParam(3)
    .wallets(4)
    .transactions().ratePerSecond(10).users(4).apply()
    .floodPeer({ target: 'validator-0', rate: 200, startAfter: '1s', banWithin: '6s', propagationP99: '3s' })
    .withRunDuration('9s')
    .withCooldown('1s')
    .named(name)
    .build();

async function run(name: string): Promise<{ status: string; message: string; report: FloodingPeerReport; runDir: string }> {
  const handle = await runs.run(scenario(name), { label: name });
  const e = handle.summary.expectations.find((x) => x.name === 'flooding-peer:validator-0')!;
  expectLiveVerdicts(handle.runDir, handle.summary);
  return { status: e.status, message: e.message, report: handle.summary.floodingPeer as FloodingPeerReport, runDir: handle.runDir };
}

describe('flooding-peer on real nodes', () => {
  it('the victim scores the flooder down, throttles, disconnects and bans it; with peer-ban off the flood is never cut off and the check fails naming the numbers', async () => {
    const on = await run('flooding-peer');
    expect(on.status, on.message).toBe('pass');
    expect(on.report.timeToBanMs).not.toBeNull();
    expect(on.report.reconnectRefused).toMatch(/banned/);
    expect(on.report.minScore!).toBeLessThan(-50);
    for (const kind of ['stale-block', 'duplicate-block', 'duplicate-tx', 'invalid-tx', 'da-share'] as const) expect(on.report.sent[kind], kind).toBeGreaterThan(0);
    const ban = on.report.timeToBanMs!;
    const late = rejudge(on.runDir, [{ name: 'flooding-peer:validator-0', options: { banWithinMs: ban - 1 } }])['flooding-peer:validator-0']!;
    expect(late.status).toBe('fail');
    expect(late.message).toMatch(new RegExp(`^validator-0 disconnected the flooder after ${ban} ms > ${ban - 1} ms`));

    process.env.LOADNET_DEFENSES = 'off:peer-ban';
    try {
      const off = await run('flooding-peer-unbanned');
      expect(off.status).toBe('fail');
      expect(off.report.timeToBanMs).toBeNull();
      expect(off.message).toMatch(/validator-0 never disconnected the flooder in [\d.]+ s of flooding \(\d+ messages; its score fell to -[\d.]+\)/);
    } finally {
      delete process.env.LOADNET_DEFENSES;
    }
  }, 180_000);
});
