/**
 * The compose deployer's pure parts: the iptables filter table rendered from the fault state, the compose
 * file, log timestamps ordering, and what goes into the node image (found from the installed package).
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NetworkFaultState } from '../../src/faults/network-state.js';
import { renderFilterTable } from '../../src/faults/appliers/iptables.js';
import { renderComposeFile } from '../../src/deployers/compose/compose-file.js';
import { fixedWidthStamp } from '../../src/deployers/compose/log-stream.js';
import { linkedLibraries, packageRoot, productionPackageDirs } from '../../src/deployers/compose/image-contents.js';

const ips: Record<string, string> = { a: '10.0.0.1', b: '10.0.0.2', c: '10.0.0.3', d: '10.0.0.4' };
const ipOf = (n: string) => ips[n];
const ALL = new Set(['cut', 'loss'] as const);
const table = (s: NetworkFaultState, node: string) => renderFilterTable(s, node, Object.keys(ips).concat('x'), ipOf, ALL);
const rules = (s: NetworkFaultState, node: string) => table(s, node).split('\n').filter((l) => l.startsWith('-A'));

describe('NetworkFaultState → iptables-restore input', () => {
  it('a partition drops both directions on both sides, and only across the cut', () => {
    const s = new NetworkFaultState();
    s.partition(['a', 'b'], ['c']);
    expect(rules(s, 'a')).toEqual(['-A INPUT -s 10.0.0.3/32 -j DROP', '-A OUTPUT -d 10.0.0.3/32 -j DROP']);
    expect(rules(s, 'c')).toEqual([
      '-A INPUT -s 10.0.0.1/32 -j DROP',
      '-A OUTPUT -d 10.0.0.1/32 -j DROP',
      '-A INPUT -s 10.0.0.2/32 -j DROP',
      '-A OUTPUT -d 10.0.0.2/32 -j DROP',
    ]);
    expect(rules(s, 'd')).toEqual([]);
    // A whole filter table: the default policies stay ACCEPT, and it commits.
    const text = table(s, 'a');
    expect(text.startsWith('*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n')).toBe(true);
    expect(text.endsWith('COMMIT\n')).toBe(true);
  });

  it('rejects overlapping groups with a message naming the node', () => {
    const s = new NetworkFaultState();
    expect(() => s.partition(['a', 'b'], ['b', 'c'])).toThrow(/two non-empty, disjoint groups; got \[a, b\] and \[b, c\]/);
  });

  it('a blocked peer is cut on both ends; unblock and heal clear it', () => {
    const s = new NetworkFaultState();
    s.blockPeer('a', 'b');
    expect(rules(s, 'a')).toEqual(['-A INPUT -s 10.0.0.2/32 -j DROP', '-A OUTPUT -d 10.0.0.2/32 -j DROP']);
    expect(rules(s, 'b')).toEqual(['-A INPUT -s 10.0.0.1/32 -j DROP', '-A OUTPUT -d 10.0.0.1/32 -j DROP']);
    s.unblockPeer('a', 'b');
    expect(s.isEmpty()).toBe(true);
    s.blockPeer('a', 'b');
    s.partition(['c'], ['d']);
    s.heal();
    expect(s.isEmpty()).toBe(true);
    expect(rules(s, 'a')).toEqual([]);
  });

  it('loss on a directed link drops what the node sends (statistic match); 0 clears; out of range is refused', () => {
    const s = new NetworkFaultState();
    s.shape('a', 'c', { loss: 0.25 });
    expect(rules(s, 'a')).toEqual(['-A OUTPUT -d 10.0.0.3/32 -m statistic --mode random --probability 0.250000 -j DROP']);
    expect(rules(s, 'c')).toEqual([]);
    s.shape('a', 'c', { loss: 0 });
    expect(s.isEmpty()).toBe(true);
    expect(() => s.shape('a', 'c', { loss: 1.5 })).toThrow(/loss 1.5 is not allowed; allowed: a fraction from 0 to 1/);
  });

  it('renders only the properties routed to it: delay is another applier\'s, a cut link needs no loss rule', () => {
    const s = new NetworkFaultState();
    s.shape('a', 'b', { delayMs: 100, loss: 0.5 });
    s.blockPeer('a', 'c');
    s.shape('a', 'c', { loss: 0.5 });
    expect(rules(s, 'a')).toEqual(['-A INPUT -s 10.0.0.3/32 -j DROP', '-A OUTPUT -d 10.0.0.3/32 -j DROP', '-A OUTPUT -d 10.0.0.2/32 -m statistic --mode random --probability 0.500000 -j DROP']);
    expect(renderFilterTable(s, 'a', ['a', 'b', 'c'], ipOf, new Set(['loss'] as const)).split('\n').filter((l) => l.startsWith('-A'))).toHaveLength(2);
    expect(s.link('a', 'b')).toEqual({ cut: false, delayMs: 100, loss: 0.5 });
  });

  it('links through the link shaper: rules also match the proxy port the node dials (cut both ways, loss each way)', () => {
    // a dials b through the shaper at 10.0.0.254:4001; b dials nobody.
    const proxyOf = (n: string, p: string) => (n === 'a' && p === 'b' ? { host: '10.0.0.254', port: 4001 } : undefined);
    const via = (s: NetworkFaultState, node: string) => renderFilterTable(s, node, ['a', 'b'], ipOf, ALL, proxyOf).split('\n').filter((l) => l.startsWith('-A'));
    const s = new NetworkFaultState();
    s.blockPeer('b', 'a');
    expect(via(s, 'a')).toEqual([
      '-A INPUT -s 10.0.0.2/32 -j DROP',
      '-A INPUT -s 10.0.0.254/32 -p tcp -m tcp --sport 4001 -j DROP',
      '-A OUTPUT -d 10.0.0.2/32 -j DROP',
      '-A OUTPUT -d 10.0.0.254/32 -p tcp -m tcp --dport 4001 -j DROP',
    ]);
    s.heal();
    // Loss b → a: on a's proxied link it arrives from the proxy, so a drops it on the way in; b's own rule covers a direct link.
    s.shape('b', 'a', { loss: 0.1 });
    s.shape('a', 'b', { loss: 0.2 });
    expect(via(s, 'a')).toEqual([
      '-A OUTPUT -d 10.0.0.2/32 -m statistic --mode random --probability 0.200000 -j DROP',
      '-A OUTPUT -d 10.0.0.254/32 -p tcp -m tcp --dport 4001 -m statistic --mode random --probability 0.200000 -j DROP',
      '-A INPUT -s 10.0.0.254/32 -p tcp -m tcp --sport 4001 -m statistic --mode random --probability 0.100000 -j DROP',
    ]);
    expect(via(s, 'b')).toEqual(['-A OUTPUT -d 10.0.0.1/32 -m statistic --mode random --probability 0.100000 -j DROP']);
  });

  it('a node without an address (stopped) gets no rule until it is back; forget drops a removed node', () => {
    const s = new NetworkFaultState();
    s.partition(['a'], ['b', 'x']);
    expect(rules(s, 'a')).toEqual(['-A INPUT -s 10.0.0.2/32 -j DROP', '-A OUTPUT -d 10.0.0.2/32 -j DROP']);
    s.forget('b');
    expect(rules(s, 'a')).toEqual([]);
  });
});

describe('compose file', () => {
  it('names every service with its image, mount, loopback ports, alias and limits', () => {
    const text = renderComposeFile({
      project: 'loadnet-run1',
      network: 'loadnet-run1-manual',
      networkLabels: { 'loadnet.run': 'run1' },
      services: [
        { name: 'validator-0', role: 'validator', image: 'loadnet-node:abc', command: ['/app/dist/src/node/bin.js', '--config', '/loadnet/node/config.json'], nodeDirRel: 'nodes/validator-0', mountPath: '/loadnet/node', user: '0:0', ports: [{ host: 41000, container: 8080 }], labels: { 'loadnet.node': 'validator-0' }, cpus: 0.5, memoryBytes: 268435456 },
      ],
    });
    expect(text).toContain('  "validator-0":\n    image: "loadnet-node:abc"\n');
    expect(text).toContain('volumes: ["./nodes/validator-0:/loadnet/node"]');
    expect(text).toContain('ports: ["127.0.0.1:41000:8080"]');
    expect(text).toContain('run: { aliases: ["validator-0"] }');
    expect(text).toContain('cpus: 0.5\n    mem_limit: 268435456');
    expect(text).toContain('networks:\n  run:\n    name: "loadnet-run1-manual"\n    driver: bridge');
  });
});

describe('log timestamps', () => {
  it('pads the fraction so string order is time order', () => {
    const a = fixedWidthStamp('2026-11-25T12:50:52.1Z');
    const b = fixedWidthStamp('2026-11-25T12:50:52.12Z');
    const c = fixedWidthStamp('2026-11-25T12:50:53Z');
    expect(a).toBe('2026-11-25T12:50:52.100000000Z');
    expect(a < b && b < c).toBe(true);
    expect(fixedWidthStamp('not a time')).toBe('');
  });
});

describe('image contents', () => {
  it('finds the production dependencies as Node resolves them, without dev dependencies', () => {
    const root = packageRoot();
    const dirs = productionPackageDirs(root).map((d) => d.slice(root.length + 1));
    for (const dep of ['node_modules/sodium-native', 'node_modules/undici', 'node_modules/dockerode', 'node_modules/@noble/ed25519']) expect(dirs).toContain(dep);
    for (const dev of ['node_modules/vitest', 'node_modules/typescript', 'node_modules/eslint']) expect(dirs).not.toContain(dev);
  });

  it('lists the shared libraries of the Node.js binary with ldd', () => {
    const libs = linkedLibraries(process.execPath);
    // A glibc build links libc and the dynamic loader; a static build links nothing.
    if (libs.length > 0) {
      expect(libs.some((l) => /\/libc\.so/.test(l))).toBe(true);
      expect(libs.some((l) => /ld-linux/.test(l))).toBe(true);
      for (const l of libs) expect(existsSync(l)).toBe(true);
    }
    expect(existsSync(join(packageRoot(), 'package.json'))).toBe(true);
  });
});

describe('ComposeDeployer input errors', () => {
  it('bad options are LN_ERR_CONFIG_INVALID naming what is allowed', async () => {
    const { ComposeDeployer } = await import('../../src/deployers/compose/index.js');
    expect(() => new ComposeDeployer({ networkPrefix: 'no spaces' })).toThrow(/networkPrefix: "no spaces" is not allowed; allowed: 1-31 letters/);
    expect(() => new ComposeDeployer({ resources: { cpus: 0 } })).toThrow(/resources.cpus: 0 is not allowed; allowed: a number of cores > 0/);
    expect(() => new ComposeDeployer({ resources: { memoryBytes: 1024 } })).toThrow(/allowed: an integer number of bytes ≥ 6 MiB/);
    try {
      new ComposeDeployer({ stopGraceMs: -1 });
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('LN_ERR_CONFIG_INVALID');
    }
  });

  it('no engine at the socket: LN_ERR_DOCKER with how to start one, before any run directory exists', async () => {
    const { ComposeDeployer } = await import('../../src/deployers/compose/index.js');
    const deployer = new ComposeDeployer({ socketPath: '/nonexistent/docker.sock', outDir: '/nonexistent/runs' });
    const scenario = { spec: {} as never, metrics: {} as never, workloads: [], expectations: [] };
    await expect(deployer.deploy(scenario)).rejects.toMatchObject({ code: 'LN_ERR_DOCKER', message: expect.stringContaining('/nonexistent/docker.sock does not answer'), hint: expect.stringContaining('dockerd') });
  });
});
