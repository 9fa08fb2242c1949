#!/usr/bin/env node
// Prepares what the test suite needs on a fresh machine, idempotently: a Docker engine (for the compose
// deployer tests) and Debian's chromium (for the report's browser test). Run by `npm test` before vitest;
// safe to run again. dist/ is not built here: vitest's global setup builds it whenever it is out of date
// (test/setup/build-freshness.ts).
import { execSync, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';

const log = (m) => console.log(`[test-env] ${m}`);
const sh = (cmd, opts = {}) => execSync(cmd, { stdio: 'inherit', ...opts });
const ok = (cmd) => {
  try {
    execSync(cmd, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const isRoot = process.getuid?.() === 0;
let aptUpdated = false;
function aptInstall(pkgs) {
  if (!isRoot || !ok('command -v apt-get')) {
    log(`cannot install ${pkgs.join(' ')}: not root or no apt-get`);
    return false;
  }
  if (!aptUpdated) {
    sh('apt-get update -qq');
    aptUpdated = true;
  }
  sh(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${pkgs.join(' ')}`);
  return true;
}

// The Docker engine for the compose tests. No registry is reachable here, so nothing is pulled: the
// compose deployer builds its image FROM scratch. The engine is started detached (it is machine
// infrastructure, like a system service, and outlives the test run); its log is /tmp/loadnet-dockerd.log.
const DOCKER_SOCK = '/var/run/docker.sock';
const DOCKERD_LOG = '/tmp/loadnet-dockerd.log';

/** GET /_ping on the engine's socket (no docker CLI needed). */
function engineAnswers() {
  return new Promise((resolve) => {
    if (!existsSync(DOCKER_SOCK)) return resolve(false);
    const req = http.get({ socketPath: DOCKER_SOCK, path: '/_ping', timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function waitForEngine(child, seconds) {
  for (let i = 0; i < seconds * 2; i++) {
    if (await engineAnswers()) return true;
    if (child.exitCode !== null) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

function startDockerd(args) {
  log(`starting dockerd${args.length ? ' ' + args.join(' ') : ''} in the background (log: ${DOCKERD_LOG})`);
  // A pid file left by a dockerd that died makes the next one refuse to start.
  const pidFile = '/var/run/docker.pid';
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      // no such process: the pid file is stale
    }
    if (!alive) rmSync(pidFile, { force: true });
  }
  const out = openSync(DOCKERD_LOG, 'a');
  const child = spawn('dockerd', args, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  return child;
}

async function docker() {
  if (process.env.LOADNET_SKIP_DOCKER === '1') return log('LOADNET_SKIP_DOCKER=1: not preparing Docker');
  if (await engineAnswers()) return log('Docker engine answers');
  if (!ok('command -v dockerd') || !ok('command -v iptables')) aptInstall(['docker.io', 'iptables']);
  if (!ok('command -v dockerd')) return log('no dockerd available: compose tests will report why they skip');
  if (!isRoot) return log('not root: cannot start dockerd; compose tests will report why they skip');
  // First the defaults (overlay2, iptables). On kernels without overlayfs or netfilter, fall back step by
  // step to what still gives containers their own network namespaces on a bridge.
  const attempts = [[], ['--storage-driver=vfs'], ['--storage-driver=vfs', '--iptables=false', '--ip-masq=false']];
  for (const args of attempts) {
    const child = startDockerd(args);
    if (await waitForEngine(child, 45)) return log(`Docker engine is up${args.length ? ` (${args.join(' ')})` : ''}`);
    log(`dockerd ${args.join(' ') || '(defaults)'} did not answer: see ${DOCKERD_LOG}`);
    if (child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
  log('no Docker engine could be started: compose tests will report why they skip');
}

function chromium() {
  if (existsSync('/usr/bin/chromium')) return log('chromium present');
  aptInstall(['chromium']);
}

/** Clock skew of node processes (src/shaper/faketime-clock.ts) runs them under libfaketime. */
function libfaketime() {
  if (existsSync('/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1') || existsSync('/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1')) return log('libfaketime present');
  aptInstall(['libfaketime']);
}

/**
 * The swarm tests (test/integration/helpers/test-swarm.ts) start more dockerd engines in network namespaces:
 * `ip` (iproute2), `nsenter` and `unshare` (util-linux). Engines a killed test left are swept by the next one.
 */
function swarmTools() {
  const missing = [['ip', 'iproute2'], ['nsenter', 'util-linux'], ['unshare', 'util-linux']].filter(([tool]) => !ok(`command -v ${tool}`)).map(([, pkg]) => pkg);
  if (missing.length === 0) return log('ip, nsenter, unshare present');
  aptInstall([...new Set(missing)]);
}

await docker();
chromium();
libfaketime();
swarmTools();
