/**
 * The netem applier and the choice between it and the link shaper. This kernel has no netem, so the tc
 * commands are checked as rendered (never executed here: docs/shaper.md says so); the probe runs for real
 * and must agree with tc itself; forcing netem here fails with a message naming what is missing.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LoadnetError, scenarioFromSpec } from '../../src/index.js';
import { MAX_NETEM_GROUPS, deviceOf, netemArgs, netemLinksOf, netemSupport, renderNetemBatch } from '../../src/faults/appliers/netem.js';
import { chooseLinkApplier, linkRecordOf, routeAppliers, type NetworkFaultApplier } from '../../src/faults/applier.js';
import { NetworkFaultState } from '../../src/faults/network-state.js';
import { ComposeDeployer } from '../../src/deployers/compose/index.js';
import { LocalDeployer } from '../../src/deployers/local/index.js';

const PRIOMAP = Array(16).fill('0').join(' ');

describe('netem: rendered tc commands', () => {
  it('delay, jitter (uniform: no distribution table), loss and bandwidth as netem arguments', () => {
    expect(netemArgs({ delayMs: 100 })).toBe('delay 100ms');
    expect(netemArgs({ delayMs: 300, jitterMs: 20 })).toBe('delay 300ms 20ms');
    expect(netemArgs({ jitterMs: 5 })).toBe('delay 0ms 5ms');
    expect(netemArgs({ loss: 0.1 })).toBe('loss 10%');
    expect(netemArgs({ loss: 0.00125 })).toBe('loss 0.125%');
    expect(netemArgs({ rateBytesPerSec: 100_000 })).toBe('rate 800000bit');
    expect(netemArgs({ delayMs: 50, jitterMs: 10, loss: 0.5, rateBytesPerSec: 1024 })).toBe('delay 50ms 10ms loss 50% rate 8192bit');
    expect(netemArgs({})).toBe('');
  });

  it('one prio band per shape: peers with one delay share a band, each rate-limited link gets its own', () => {
    const lines = renderNetemBatch('v0', 'eth0', [
      { peer: 'v3', ip: '172.18.0.5', shape: { delayMs: 300, jitterMs: 20 } },
      { peer: 'v1', ip: '172.18.0.3', shape: { delayMs: 300, jitterMs: 20 } },
      { peer: 'v2', ip: '172.18.0.4', shape: { rateBytesPerSec: 1000 } },
      { peer: 'v4', ip: '172.18.0.6', shape: { rateBytesPerSec: 1000 } },
      { peer: 'v5', ip: '172.18.0.7', shape: { loss: 0.2 } },
    ]);
    expect(lines).toEqual([
      `qdisc add dev eth0 root handle 1: prio bands 5 priomap ${PRIOMAP}`,
      'qdisc add dev eth0 parent 1:2 handle 12: netem limit 10000 delay 300ms 20ms',
      'filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 172.18.0.3/32 flowid 1:2',
      'filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 172.18.0.5/32 flowid 1:2',
      'qdisc add dev eth0 parent 1:3 handle 13: netem limit 10000 rate 8000bit',
      'filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 172.18.0.4/32 flowid 1:3',
      'qdisc add dev eth0 parent 1:4 handle 14: netem limit 10000 rate 8000bit',
      'filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 172.18.0.6/32 flowid 1:4',
      'qdisc add dev eth0 parent 1:5 handle 15: netem limit 10000 loss 20%',
      'filter add dev eth0 parent 1: protocol ip prio 1 u32 match ip dst 172.18.0.7/32 flowid 1:5',
    ]);
    // A single shape still needs two bands (prio's minimum): band 1 carries the unshaped traffic.
    expect(renderNetemBatch('v0', 'eth1', [{ peer: 'v1', ip: '10.0.0.2', shape: { delayMs: 10 } }])[0]).toBe(`qdisc add dev eth1 root handle 1: prio bands 2 priomap ${PRIOMAP}`);
    expect(renderNetemBatch('v0', 'eth0', [])).toEqual([]);
  });

  it('more distinct shapes than prio has bands: refused, naming the node and the limit', () => {
    const links = Array.from({ length: MAX_NETEM_GROUPS + 1 }, (_, i) => ({ peer: `v${i + 1}`, ip: `10.0.0.${i + 2}`, shape: { delayMs: 10 + i } }));
    expect(() => renderNetemBatch('v0', 'eth0', links)).toThrow(/netem: v0 has 16 differently shaped links; allowed: at most 15/);
    expect(renderNetemBatch('v0', 'eth0', links.slice(0, MAX_NETEM_GROUPS))).toHaveLength(1 + 2 * MAX_NETEM_GROUPS);
  });

  it('per directed link, from the desired state: only properties routed to netem, never a cut link, never itself', () => {
    const state = new NetworkFaultState();
    state.shape('v0', 'v1', { delayMs: 100, jitterMs: 10, loss: 0.1 });
    state.shape('v1', 'v0', { delayMs: 7 });
    state.shape('v0', 'v2', { rateBytesPerSec: 5000 });
    state.shape('v0', 'v3', { delayMs: 40 });
    state.blockPeer('v0', 'v3');
    const targets = ['v0', 'v1', 'v2', 'v3'].map((name, i) => ({ name, ip: `10.1.0.${i + 2}` }));
    const all = new Set(['delay', 'jitter', 'loss', 'bandwidth'] as const);
    expect(netemLinksOf(state, 'v0', targets, all)).toEqual([
      { peer: 'v1', ip: '10.1.0.3', shape: { delayMs: 100, jitterMs: 10, loss: 0.1 } },
      { peer: 'v2', ip: '10.1.0.4', shape: { rateBytesPerSec: 5000 } },
    ]);
    expect(netemLinksOf(state, 'v1', targets, all)).toEqual([{ peer: 'v0', ip: '10.1.0.2', shape: { delayMs: 7 } }]);
    // Loss routed elsewhere (e.g. iptables first): netem leaves it out.
    expect(netemLinksOf(state, 'v0', targets, new Set(['delay', 'jitter'] as const))).toEqual([{ peer: 'v1', ip: '10.1.0.3', shape: { delayMs: 100, jitterMs: 10 } }]);
  });

  it('finds the interface holding the node address in `ip -o -4 addr show` output', () => {
    const out = '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever\n42: eth0    inet 172.18.0.5/16 brd 172.18.255.255 scope global eth0\\       valid_lft forever\n';
    expect(deviceOf(out, '172.18.0.5')).toBe('eth0');
    expect(deviceOf(out, '172.18.0.9')).toBeUndefined();
  });
});

describe('netem probe and the applier choice', () => {
  it('the probe agrees with tc itself; on this kernel: unavailable, quoting tc', () => {
    let tcSays: string | undefined;
    try {
      execFileSync('unshare', ['--net', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      tcSays = (e as { stderr: Buffer }).stderr.toString().trim();
    }
    const probe = netemSupport();
    expect(probe.available).toBe(tcSays === undefined);
    expect(netemSupport()).toBe(probe); // asked once per process
    if (tcSays !== undefined) expect(probe.reason).toContain(tcSays);
    // This machine (the one CI runs on): no netem.
    expect(probe).toEqual({ available: false, reason: expect.stringMatching(/^netem is unavailable on this kernel: .*"Error: Specified qdisc kind is unknown\."/) });
  });

  const missing = { available: false, reason: 'netem is unavailable on this kernel: tc said no' };
  const present = { available: true, reason: 'netem works on this kernel' };

  it('auto: netem where available and each node has a namespace, the link shaper otherwise, saying why', () => {
    expect(chooseLinkApplier({ deployer: 'compose', namespaces: true, netem: () => present })).toEqual({ applier: 'netem', reason: 'netem works on this kernel' });
    expect(chooseLinkApplier({ deployer: 'compose', namespaces: true, forced: 'auto', netem: () => missing })).toEqual({ applier: 'link-shaper', reason: missing.reason });
    expect(chooseLinkApplier({ deployer: 'local', namespaces: false, netem: () => present })).toEqual({ applier: 'link-shaper', reason: expect.stringMatching(/^the local deployer runs every node in the host's network namespace/) });
    expect(chooseLinkApplier({ deployer: 'compose', namespaces: true, forced: 'link-shaper', netem: () => present })).toEqual({ applier: 'link-shaper', reason: 'asked for (linkApplier: link-shaper)' });
  });

  it('forced netem where it cannot run, or an unknown applier: a LoadnetError naming what is missing and what is allowed', () => {
    expect(() => chooseLinkApplier({ deployer: 'compose', namespaces: true, forced: 'netem', netem: () => missing })).toThrow(/linkApplier 'netem' cannot run: netem is unavailable on this kernel: tc said no; allowed here: 'link-shaper' or 'auto'/);
    expect(() => chooseLinkApplier({ deployer: 'local', namespaces: false, forced: 'netem', netem: () => present })).toThrow(/linkApplier 'netem' cannot run: the local deployer runs every node in the host's network namespace/);
    expect(chooseLinkApplier({ deployer: 'compose', namespaces: true, forced: 'netem', netem: () => present }).applier).toBe('netem');
    expect(() => new ComposeDeployer({ linkApplier: 'tc' as never })).toThrow(/ComposeDeployer linkApplier: "tc" is not allowed; allowed: 'auto', 'netem', 'link-shaper'/);
    expect(() => new ComposeDeployer({ linkShaper: false, linkApplier: 'netem' })).toThrow(/contradict/);
  });

  it('a user forcing netem on this machine: the deploy fails before anything starts, quoting the probe', async () => {
    const scenario = scenarioFromSpec({ topology: { shape: 'full', validators: 4, executors: 0 }, nodeControl: true, durationMs: '10s', workloads: [{ type: 'latency-tiers', tiers: { C: { delayMs: 300, nodes: ['validator-3'] } } }] });
    const compose = new ComposeDeployer({ linkApplier: 'netem', reports: false, log: null }).deploy(scenario);
    await expect(compose).rejects.toThrow(LoadnetError);
    await expect(compose).rejects.toThrow(/linkApplier 'netem' cannot run: netem is unavailable on this kernel: .*Specified qdisc kind is unknown/);
    await expect(new LocalDeployer({ linkApplier: 'netem', reports: false }).deploy(scenario)).rejects.toThrow(/linkApplier 'netem' cannot run: the local deployer runs every node in the host's network namespace/);
  });

  it("a link fault's record: which applier ran and why", () => {
    const applier = (name: string, props: string[], choice?: { applier: 'netem' | 'link-shaper'; reason: string }): NetworkFaultApplier => ({ name, renders: Object.fromEntries(props.map((p) => [p, `${name} does ${p}`])), apply: async () => undefined, ...(choice ? { choice } : {}) });
    const route = routeAppliers([applier('iptables', ['cut', 'loss']), applier('shaper', ['cut', 'delay', 'jitter', 'loss', 'bandwidth'], { applier: 'link-shaper', reason: 'netem is unavailable on this kernel: x' })]);
    expect(linkRecordOf(route, ['delay', 'jitter'])).toEqual({ mechanism: { delay: 'shaper: shaper does delay', jitter: 'shaper: shaper does jitter' }, applier: 'link-shaper', applierReason: 'netem is unavailable on this kernel: x' });
    expect(linkRecordOf(route, ['delay', 'loss'])).toMatchObject({ applier: 'link-shaper+iptables', applierReason: 'netem is unavailable on this kernel: x' });
    expect(linkRecordOf(route, ['cut'])).toEqual({ mechanism: { cut: 'iptables: iptables does cut' }, applier: 'iptables' });
  });
});
