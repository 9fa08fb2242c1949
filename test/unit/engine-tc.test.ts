// The engine-tc applier's rendering: the `tc -batch` lines for a node's rate-limited links (an htb class per
// limited peer, a u32 filter on its address, unlimited traffic through htb's direct queue), which links it
// takes from the desired state, and the rendered batch loaded by this kernel's tc in a throwaway network
// namespace (`unshare --net`, gone with the command), read back as one htb class per limited peer.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { htbBurstBytes, htbQueueBytes, renderHtbBatch, tcLimitsOf } from '../../src/faults/appliers/engine-tc.js';
import { NetworkFaultState } from '../../src/faults/network-state.js';
import { faultToolsContents } from '../../src/deployers/swarm/fault-tools-image.js';
import { SwarmNodePrimitives } from '../../src/deployers/swarm/swarm-node-control.js';
import type { SwarmDeployment } from '../../src/deployers/swarm/swarm-deployment.js';
import { linkRecordOf, routeAppliers } from '../../src/faults/applier.js';
import { SWARM_LINKS_REASON } from '../../src/faults/appliers/engine-tc.js';

const canUnshare = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('sh', ['-c', 'command -v unshare && command -v tc'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const targets = [
  { name: 'a', ip: '10.0.1.2' },
  { name: 'b', ip: '10.0.1.3' },
  { name: 'c', ip: '10.0.1.4' },
];

describe('engine-tc', () => {
  it('renders an htb class, a bounded fifo and a u32 filter per limited peer, ids in hex from 0x10', () => {
    const lines = renderHtbBatch('eth0', [
      { peer: 'c', ip: '10.0.1.4', rateBytesPerSec: 1_250_000 },
      { peer: 'b', ip: '10.0.1.3', rateBytesPerSec: 65_536 },
    ]);
    expect(lines).toEqual([
      'qdisc add dev eth0 root handle 1: htb',
      'class add dev eth0 parent 1: classid 1:10 htb rate 524288bit ceil 524288bit burst 16384 cburst 16384',
      'qdisc add dev eth0 parent 1:10 handle 10: bfifo limit 131072',
      'filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 10.0.1.3/32 flowid 1:10',
      'class add dev eth0 parent 1: classid 1:11 htb rate 10000000bit ceil 10000000bit burst 16384 cburst 16384',
      'qdisc add dev eth0 parent 1:11 handle 11: bfifo limit 131072',
      'filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 10.0.1.4/32 flowid 1:11',
    ]);
    // No default class: what no filter picks leaves through htb's direct queue, unshaped.
    expect(lines[0]).not.toMatch(/default/);
    expect(renderHtbBatch('eth0', [])).toEqual([]);
    expect(renderHtbBatch('eth0', [{ peer: 'b', ip: '10.0.1.3', rateBytesPerSec: 0 }])).toEqual([]);
  });

  it('sizes burst and queue by rate: 16 KiB / 128 KiB at least, 4 ms / 100 ms of the rate above', () => {
    expect([htbBurstBytes(1000), htbQueueBytes(1000)]).toEqual([16_384, 131_072]);
    expect([htbBurstBytes(125_000_000), htbQueueBytes(125_000_000)]).toEqual([500_000, 12_500_000]);
  });

  it('takes the limits a node sends under: directed, none on a cut link, none towards a node not running', () => {
    const s = new NetworkFaultState();
    s.shape('a', 'b', { rateBytesPerSec: 1000, delayMs: 50 });
    s.shape('b', 'a', { delayMs: 50 });
    s.shape('a', 'c', { rateBytesPerSec: 2000 });
    expect(tcLimitsOf(s, 'a', targets)).toEqual([
      { peer: 'b', ip: '10.0.1.3', rateBytesPerSec: 1000 },
      { peer: 'c', ip: '10.0.1.4', rateBytesPerSec: 2000 },
    ]);
    expect(tcLimitsOf(s, 'b', targets)).toEqual([]);
    expect(tcLimitsOf(s, 'a', targets.slice(0, 2))).toEqual([{ peer: 'b', ip: '10.0.1.3', rateBytesPerSec: 1000 }]);
    s.blockPeer('a', 'c');
    expect(tcLimitsOf(s, 'a', targets).map((l) => l.peer)).toEqual(['b']);
    s.heal();
    expect(tcLimitsOf(s, 'a', targets)).toEqual([]);
  });

  it('on the swarm, cut and loss route to engine-iptables, bandwidth to engine-tc, delay and jitter to the testing API; a link fault\'s record says which and why', () => {
    // Only what the constructor reads: the appliers are made, nothing is called on the deployment.
    const deployment = { plan: { consensus: { slotDurationMs: 500 } }, record: { runId: 'r1', events: { emit: () => undefined, on: () => () => undefined } } } as unknown as SwarmDeployment;
    const route = routeAppliers(new SwarmNodePrimitives(deployment, { stopGraceMs: 1000, faultTools: { ref: 'loadnet-fault-tools:x', tools: { restore: '/r', iptables: '/i', sleep: '/s', tc: '/t', ip: '/p' } } }).appliers);
    expect(Object.fromEntries([...route].map(([p, a]) => [p, a.name]))).toEqual({ cut: 'engine-iptables', loss: 'engine-iptables', bandwidth: 'engine-tc', delay: 'testing-api', jitter: 'testing-api' });
    expect(linkRecordOf(route, ['bandwidth'])).toMatchObject({ applier: 'engine-tc', applierReason: SWARM_LINKS_REASON, mechanism: { bandwidth: expect.stringMatching(/^engine-tc: kernel tc/) } });
    expect(linkRecordOf(route, ['delay', 'bandwidth'])).toMatchObject({ applier: 'testing-api+engine-tc', applierReason: SWARM_LINKS_REASON });
    expect(linkRecordOf(route, ['delay'])).toMatchObject({ applier: 'testing-api', applierReason: SWARM_LINKS_REASON });
    expect(SWARM_LINKS_REASON).toMatch(/htb.*netem.*testing API/);
  });

  it('the fault-tools image carries tc and ip', () => {
    const { contents, tools } = faultToolsContents();
    const inside = new Set(contents.entries.map((e) => `/${e.target}`));
    expect(inside).toContain(tools.tc);
    expect(inside).toContain(tools.ip);
  });

  it.skipIf(!canUnshare)('this kernel loads the rendered batch: one htb class and one u32 filter per limited peer', () => {
    const batch = renderHtbBatch('lo', [
      { peer: 'b', ip: '10.0.1.3', rateBytesPerSec: 65_536 },
      { peer: 'c', ip: '10.0.1.4', rateBytesPerSec: 1_250_000 },
    ]);
    const out = execFileSync('unshare', ['--net', 'sh', '-c', 'tc -batch - && tc class show dev lo && tc filter show dev lo'], { input: batch.join('\n') + '\n', encoding: 'utf8' });
    expect(out.split('\n').filter((l) => l.startsWith('class htb ')).sort()).toEqual([
      expect.stringMatching(/^class htb 1:10 root leaf 10: prio 0 rate 524288bit ceil 524288bit burst 16Kb/),
      expect.stringMatching(/^class htb 1:11 root leaf 11: prio 0 rate 10Mbit ceil 10Mbit burst 16Kb/),
    ]);
    expect(out).toContain('match 0a000103/ffffffff at 16');
    expect(out).toContain('match 0a000104/ffffffff at 16');
  });
});
