/**
 * Exposure of a run's nodes: the testing API (faults, clock) answers only to the run's token, which the
 * deployer writes owner-only into the run directory and hands to node control; node config files (they
 * hold identity seeds) are owner-only; a node refuses to bind its testing API off loopback without a token.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { LocalDeployer } from '../../src/deployers/local/index.js';
import { nodeBinary } from '../../src/adapters/devnet/node-binary.js';
import type { Runner } from '../../src/runtime/contracts.js';
import { localSpec, scenarioOf } from './helpers/local-scenario.js';
import { alive, pidsOf } from './helpers/run-files.js';

const outDir = mkdtempSync(join(tmpdir(), 'loadnet-token-'));
let runner: Runner | undefined;

afterAll(async () => {
  const runDir = runner?.context.runDir;
  await runner?.dispose();
  if (runDir) for (const pid of pidsOf(runDir)) expect(alive(pid)).toBe(false);
  rmSync(outDir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;

async function networkState(testingUrl: string, authorization?: string): Promise<{ status: number; body: string }> {
  const res = await request(`${testingUrl}/test/network/state`, { headers: authorization ? { authorization } : {} });
  return { status: res.statusCode, body: await res.body.text() };
}

describe('testing API token', () => {
  it('a run: token and configs owner-only; the testing API refuses requests without the token; node control has it', async () => {
    const scenario = scenarioOf(localSpec({ name: 'testing-token', validators: 2, executors: 0, nodeControl: true }));
    runner = await new LocalDeployer({ outDir, reports: false, log: null }).deploy(scenario);
    const ctx = runner.context;
    const tokenFile = join(ctx.runDir, 'testing-token');
    expect(mode(tokenFile)).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    for (const name of ['validator-0', 'validator-1']) {
      const configPath = join(ctx.runDir, 'nodes', name, 'config.json');
      expect(mode(configPath), `${configPath} mode`).toBe(0o600);
      expect((JSON.parse(readFileSync(configPath, 'utf8')) as { testing: { token?: string } }).testing.token).toBe(token);
    }

    const v0 = ctx.node('validator-0');
    const url = v0.descriptor.testingUrl!;
    const none = await networkState(url);
    expect(none.status).toBe(401);
    expect(none.body).toContain('missing or wrong token');
    expect((await networkState(url, `Bearer ${'0'.repeat(64)}`)).status).toBe(401);
    expect((await networkState(url, token)).status).toBe(401); // the scheme is part of it
    expect((await networkState(url, `Bearer ${token}`)).status).toBe(200);

    // Node control drives the testing API with the run's token.
    const peer = ctx.node('validator-1').descriptor.peerId;
    await ctx.nodeControl!.blockPeer('validator-0', 'validator-1');
    expect((await v0.client.network!.state()).blocked).toContain(peer);
    await ctx.nodeControl!.unblockPeer('validator-0', 'validator-1');
    expect((await v0.client.network!.state()).blocked).not.toContain(peer);
  }, 60_000);

  it('a node refuses a testing API off loopback without a token, naming the field', () => {
    const dir = mkdtempSync(join(outDir, 'refuse-'));
    const config = JSON.parse(readFileSync(join(runner!.context.runDir, 'nodes', 'validator-0', 'config.json'), 'utf8')) as Record<string, any>;
    config.dataDir = join(dir, 'data');
    config.api = { host: '127.0.0.1', port: 0 };
    config.p2p = { host: '127.0.0.1', port: 0 };
    config.peers = [];
    config.parentPid = null;
    config.testing = { host: '0.0.0.0', port: 0 };
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config));
    const refused = spawnSync(process.execPath, [nodeBinary(), '--config', file], { encoding: 'utf8', timeout: 20_000 });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/testing\.token/);
    expect(refused.stderr).toMatch(/not a loopback address/);
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace

    // A token too short to guess hard is refused as well.
    config.testing = { host: '0.0.0.0', port: 0, token: 'x'.repeat(8) };
    writeFileSync(file, JSON.stringify(config));
    const short = spawnSync(process.execPath, [nodeBinary(), '--config', file], { encoding: 'utf8', timeout: 20_000 });
    expect(short.status).not.toBe(0);
    expect(short.stderr).toMatch(/testing\.token.*at least 16 printable characters/);
  }, 60_000);
});
