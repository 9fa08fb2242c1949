/**
 * The local deployer with the link shaper and libfaketime plugged into the fault seam: the node control routes
 * every link property to the shaper and clock skew to libfaketime (capabilities name them), a link fault
 * delays gossip on the shaped link, a clock skew shows in the node's clock and survives its restart, both
 * are recorded as faults naming the applier, and teardown leaves no proxy port and no faketime file.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import type { Runner } from '../../src/runtime/contracts.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';
import { readEvents } from './helpers/run-files.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-shaper-local-'));
let runner: Runner | undefined;
afterAll(async () => {
  await runner?.dispose();
  rmSync(outDir, { recursive: true, force: true });
});

async function clockSkewOf(r: Runner, node: string): Promise<number> {
  const res = await fetch(`${r.context.node(node).descriptor.apiUrl}/cryptarchia/info`);
  const info = (await res.json()) as { clock: { now_ms: number } };
  return info.clock.now_ms - Date.now();
}

describe('local deployer: link shaper and libfaketime behind the fault seam', () => {
  it('shapes links and skews clocks through them, records which applier ran, and leaves nothing behind', async () => {
    const spec = localSpec({ name: 'shaper-faketime', validators: 3, executors: 0, shape: 'full', slotDurationMs: 500, nodeControl: true });
    runner = await new LocalDeployer({ outDir, reports: false, linkShaper: true, clockSkew: true }).deploy(scenarioOf(spec));
    const ctx = runner.context;
    const control = ctx.nodeControl!;
    const caps = control.capabilities!();
    expect(caps.network.delay).toMatch(/^shaper: /);
    expect(caps.network.cut).toMatch(/^shaper: /);
    expect(caps.clock?.offset).toMatch(/libfaketime/);
    const configs = readdirSync(join(ctx.runDir, 'nodes')).map((n) => JSON.parse(readFileSync(join(ctx.runDir, 'nodes', n, 'config.json'), 'utf8')) as { p2p: { port: number }; peers: Array<{ port: number }> });
    const p2pPorts = new Set(configs.map((c) => c.p2p.port));
    const proxyPorts = configs.flatMap((c) => c.peers.map((p) => p.port));
    expect(proxyPorts.length).toBeGreaterThan(0);
    expect(proxyPorts.filter((p) => p2pPorts.has(p))).toEqual([]);

    await control.setClockSkew!('validator-1', { offsetMs: 1500 });
    // libfaketime re-reads its file every second: poll (a loaded machine answers late).
    const skewNear = async (node: string, want: number) => {
      let last = NaN;
      for (let i = 0; i < 40 && !(Math.abs(last - want) < 150); i++) {
        last = await clockSkewOf(runner!, node);
        if (!(Math.abs(last - want) < 150)) await new Promise((r) => setTimeout(r, 100));
      }
      return last;
    };
    expect(Math.abs((await skewNear('validator-1', 1500)) - 1500), 'validator-1 skewed').toBeLessThan(150);
    expect(Math.abs(await clockSkewOf(runner, 'validator-0')), 'validator-0 not skewed').toBeLessThan(150);
    await control.restart('validator-1');
    expect(Math.abs((await clockSkewOf(runner, 'validator-1')) - 1500), 'validator-1 still skewed right after its restart').toBeLessThan(150);
    await control.setClockSkew!('validator-1', undefined);

    await control.setLinkFault('validator-0', 'validator-2', { delayMs: 300 });
    const events = await readEvents(ctx.runDir);
    const starts = events.filter((e) => e.kind === 'fault.start');
    expect(starts.find((e) => e.fault === 'clock-skew')?.detail?.mechanism).toMatch(/^libfaketime: /);
    expect(starts.find((e) => e.fault === 'link-fault')?.detail?.mechanism?.delay).toMatch(/^shaper: /);

    const faketimeDir = join(ctx.runDir, 'faketime');
    expect(existsSync(faketimeDir)).toBe(true);
    await runner.dispose();
    runner = undefined;
    expect(existsSync(faketimeDir)).toBe(false);
    for (const port of proxyPorts) {
      await expect(new Promise((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s.destroy()));
        s.once('error', reject);
      })).rejects.toThrow(/ECONNREFUSED/);
    }
  });
});
