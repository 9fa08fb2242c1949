/**
 * Deploy failures are clear and leave nothing behind: an unbuilt node binary is named with the fix; a
 * node that exits at start-up fails the deploy at once (not after a readiness timeout) naming the node
 * and quoting its log; the other nodes are stopped, ports and registry released, summary.json written.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import { registryDir } from '../../src/deployers/local/leftovers.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';
import { alive, pidsOf } from './helpers/run-files.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-local-failures-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('LocalDeployer failures', () => {
  it('names a missing node binary and how to build it', async () => {
    await expect(new LocalDeployer({ outDir, nodeBin: '/nonexistent/bin.js' }).deploy(scenarioOf(localSpec()))).rejects.toMatchObject({
      code: 'LN_ERR_DEPLOY',
      message: expect.stringContaining('/nonexistent/bin.js'),
      hint: expect.stringContaining('npm run build'),
    });
  });

  it('a node that exits at start-up fails the deploy fast, naming it, and nothing is left behind', async () => {
    const started = Date.now();
    // An invalid mempool bound: the node rejects its config and exits; the others start fine.
    const deployer = new LocalDeployer({ outDir, reports: false, tuning: { mempool: { maxCount: -5, maxBytes: 1 << 20, maxNonceGap: 10, ttlMs: 1000, minFee: 0 } } });
    const err = await deployer.deploy(scenarioOf(localSpec({ name: 'bad-config', validators: 2, executors: 0 }))).catch((e) => e);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(err).toMatchObject({ code: 'LN_ERR_DEPLOY', message: expect.stringMatching(/validator-\d exited during deploy/) });
    expect(err.message).toContain('maxCount');
    const runDir = join(outDir, readdirSync(outDir).find((d) => d.endsWith('-bad-config'))!);
    for (const pid of pidsOf(runDir)) expect(alive(pid)).toBe(false);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ verdict: 'unknown', error: expect.stringContaining('exited during deploy') });
    const runId = JSON.parse(readFileSync(join(runDir, 'nodes', 'validator-0', 'config.json'), 'utf8')).genesis.chainId.replace(/^loadnet-/, '');
    expect(existsSync(join(registryDir(), `${runId}.json`))).toBe(false);
  });
});
