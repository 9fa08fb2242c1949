/**
 * Test harness for the devnet node: configs for a cluster on loopback (free ports, temp data dirs,
 * deterministic keys), real node processes from dist/ (`node dist/src/node/bin.js --config`), and
 * cleanup of everything it started (processes by pid, temp dirs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { deriveKeyPair, toHex, NodeClient, type KeyPairInfo, type SigningKey } from '../../src/adapters/devnet/wire/index.js';
import type { NodeConfig } from '../../src/node/config.js';

export const BIN = path.resolve('dist/src/node/bin.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Wallet extends KeyPairInfo {
  key: SigningKey;
}

export interface ClusterSpec {
  nodes: number;
  wallets?: number;
  walletBalance?: number;
  slotDurationMs?: number;
  activeSlotCoeff?: number;
  securityParam?: number;
  fees?: 'burn' | 'leader';
  topology?: 'full' | 'star' | 'ring';
  genesisDelayMs?: number;
  mempool?: Partial<NodeConfig['mempool']>;
  seed?: string;
  testing?: boolean;
  /** The last `executors` nodes get role 'executor' (they are validators too). */
  executors?: number;
  /** Give every node's identity key a genesis balance (executors pay fees for DA certificates). */
  fundNodes?: number;
}

export interface ClusterPlan {
  dir: string;
  configs: NodeConfig[];
  wallets: Wallet[];
  validators: Array<KeyPairInfo & { key: SigningKey }>;
}

export async function planCluster(spec: ClusterSpec): Promise<ClusterPlan> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadnet-node-test-'));
  const seed = spec.seed ?? `t${process.pid}-${Date.now()}`;
  const wallets = Array.from({ length: spec.wallets ?? 4 }, (_, i) => deriveKeyPair(seed, 'wallet', i));
  const validators = Array.from({ length: spec.nodes }, (_, i) => deriveKeyPair(seed, 'validator', i));
  const ports: Array<{ api: number; p2p: number; testing: number }> = [];
  // API and testing ports are 0 (the node binds any free port and logs its URLs, read by spawnNode):
  // only P2P ports must be known up front, since peers dial them.
  for (let i = 0; i < spec.nodes; i++) ports.push({ api: 0, p2p: await freePort(), testing: 0 });
  const genesis = {
    chainId: `test-${seed}`,
    timeMs: Date.now() + (spec.genesisDelayMs ?? 1500),
    epochNonce: toHex(new TextEncoder().encode(seed.padEnd(32, '.').slice(0, 32))),
    accounts: [
      ...wallets.map((w) => ({ publicKey: w.publicKey, balance: spec.walletBalance ?? 1_000_000 })),
      ...(spec.fundNodes ? validators.map((v) => ({ publicKey: v.publicKey, balance: spec.fundNodes! })) : []),
    ],
    validators: validators.map((v, i) => ({ name: `node-${i}`, publicKey: v.publicKey, stake: 100 })),
  };
  const peersOf = (i: number): number[] => {
    const all = [...Array(spec.nodes).keys()];
    switch (spec.topology ?? 'full') {
      case 'star':
        return i === 0 ? [] : [0];
      case 'ring':
        return spec.nodes > 1 ? [(i + spec.nodes - 1) % spec.nodes] : [];
      default:
        return all.filter((j) => j < i);
    }
  };
  const configs: NodeConfig[] = validators.map((v, i) => ({
    name: `node-${i}`,
    role: i >= spec.nodes - (spec.executors ?? 0) ? 'executor' : 'validator',
    identitySeed: v.seed,
    dataDir: path.join(dir, `node-${i}`, 'data'),
    api: { host: '127.0.0.1', port: ports[i]!.api },
    testing: spec.testing === false ? null : { host: '127.0.0.1', port: ports[i]!.testing },
    p2p: { host: '127.0.0.1', port: ports[i]!.p2p },
    peers: peersOf(i).map((j) => ({ name: `node-${j}`, host: '127.0.0.1', port: ports[j]!.p2p })),
    genesis,
    consensus: { slotDurationMs: spec.slotDurationMs ?? 1000, activeSlotCoeff: spec.activeSlotCoeff ?? 0.5, securityParam: spec.securityParam ?? 10, clockToleranceMs: 500 },
    mempool: { maxCount: 100_000, maxBytes: 64 * 1024 * 1024, maxNonceGap: 100, ttlMs: 60_000, minFee: 1, ...spec.mempool },
    block: { maxTxs: 5000, maxBytes: 4 * 1024 * 1024 },
    fees: spec.fees ?? 'burn',
    da: { subnetworks: 2 },
    parentPid: process.pid,
    clockOffsetMs: 0,
    logLevel: 'info',
  }));
  return { dir, configs, wallets, validators };
}

export interface RunningProcess {
  config: NodeConfig;
  /** Ports actually bound (the config may say 0). */
  apiPort: number;
  testingPort: number | null;
  child: ChildProcess;
  client: NodeClient;
  exited: Promise<number | null>;
}

/**
 * Spawn one node process from dist/, logging to <dataDir>/../node.log; resolves once it logged
 * "node started" (with the API URLs it bound) and /health answers.
 */
export async function spawnNode(config: NodeConfig, timeoutMs = 40_000, execArgv: string[] = [], env?: Record<string, string>): Promise<RunningProcess> {
  const nodeDir = path.dirname(config.dataDir);
  fs.mkdirSync(nodeDir, { recursive: true });
  const cfgPath = path.join(nodeDir, 'config.json');
  fs.writeFileSync(cfgPath, JSON.stringify(config, null, 2));
  const logPath = path.join(nodeDir, 'node.log');
  const logStart = fs.existsSync(logPath) ? fs.statSync(logPath).size : 0;
  const out = fs.openSync(logPath, 'a');
  const child = spawn(process.execPath, [...execArgv, BIN, '--config', cfgPath], { stdio: ['ignore', out, out], ...(env ? { env: { ...process.env, ...env } } : {}) });
  fs.closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + timeoutMs;
  const newLog = () => fs.readFileSync(logPath, 'utf8').slice(logStart);
  let started: { api: string; testing: string | null } | undefined;
  while (!started) {
    if (child.exitCode !== null) throw new Error(`${config.name} exited with ${child.exitCode}; log: ${newLog().slice(-2000)}`);
    const line = newLog()
      .split('\n')
      .find((l) => l.includes('"msg":"node started"'));
    if (line) started = JSON.parse(line) as { api: string; testing: string | null };
    else if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${config.name} did not start within ${timeoutMs} ms; log: ${newLog().slice(-2000)}`);
    } else await new Promise((r) => setTimeout(r, 50));
  }
  const client = new NodeClient(started.api, { name: config.name, testingUrl: started.testing ?? undefined, timeoutMs: 5000 });
  await waitFor(`${config.name} /health`, () => client.health(), Math.max(1000, deadline - Date.now()));
  const port = (url: string) => Number(new URL(url).port);
  return { config, apiPort: port(started.api), testingPort: started.testing ? port(started.testing) : null, child, client, exited };
}

export async function stopProcess(p: RunningProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  await p.client.close();
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  const t = setTimeout(() => p.child.kill('SIGKILL'), 8000);
  const code = await p.exited;
  clearTimeout(t);
  return code;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
