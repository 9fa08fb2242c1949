/**
 * The node as a process: it exits within about a second once its parent pid is gone (watchdog), and a
 * bad config or command line is a clear LN_ERR message with exit code 2, never a stack trace.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, planCluster, removeDir, spawnNode, stopProcess, type ClusterPlan } from './node-harness.js';

const plans: ClusterPlan[] = [];
afterAll(() => plans.forEach((p) => removeDir(p.dir)));

describe('devnet node process', () => {
  it('exits within about a second when its parent pid disappears', async () => {
    const plan = await planCluster({ nodes: 1, wallets: 1 });
    plans.push(plan);
    const fakeParent = spawn('sleep', ['120'], { stdio: 'ignore' });
    const cfg = { ...plan.configs[0]!, parentPid: fakeParent.pid! };
    const node = await spawnNode(cfg);
    try {
      const t0 = Date.now();
      fakeParent.kill('SIGKILL');
      const code = await Promise.race([node.exited, new Promise((r) => setTimeout(() => r('timeout'), 5000))]);
      expect(code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(fs.readFileSync(path.join(path.dirname(cfg.dataDir), 'node.log'), 'utf8')).toContain(`parent ${fakeParent.pid} is gone`);
    } finally {
      fakeParent.kill('SIGKILL');
      await stopProcess(node);
    }
  });

  it('reports a bad config as LN_ERR_CONFIG_INVALID naming every field, exit code 2, no stack', async () => {
    const plan = await planCluster({ nodes: 1, wallets: 1 });
    plans.push(plan);
    const file = path.join(plan.dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ ...plan.configs[0], role: 'miner', consensus: { activeSlotCoeff: 2 }, api: { host: '127.0.0.1', port: 70000 } }));
    const r = spawnSync(process.execPath, [BIN, '--config', file], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('node config invalid');
    expect(r.stderr).toContain("role: got \"miner\", allowed 'validator' or 'executor'");
    expect(r.stderr).toContain('consensus.activeSlotCoeff');
    expect(r.stderr).toContain('api.port');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const missing = spawnSync(process.execPath, [BIN], { encoding: 'utf8', timeout: 20_000 });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('missing --config');
    const notJson = path.join(plan.dir, 'x.json');
    fs.writeFileSync(notJson, '{');
    expect(spawnSync(process.execPath, [BIN, '--config', notJson], { encoding: 'utf8' }).stderr).toContain('is not JSON');
  });
});
