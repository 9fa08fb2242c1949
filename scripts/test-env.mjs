#!/usr/bin/env node
// Prepares everything the test suite needs on a fresh machine, idempotently:
// the build (dist/), a Docker engine (for the compose deployer tests) and Debian's chromium
// (for the report's browser test). Run by `npm test` before vitest; safe to run again.
import { execSync, spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';

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

function build() {
  log('building dist/ (tsc)');
  sh('npx tsc -p tsconfig.build.json');
}

async function docker() {
  if (process.env.LOADNET_SKIP_DOCKER === '1') return log('LOADNET_SKIP_DOCKER=1: not preparing Docker');
  if (ok('docker info')) return log('Docker engine answers');
  if (!ok('command -v dockerd')) aptInstall(['docker.io', 'iptables']);
  if (!ok('command -v dockerd')) return log('no dockerd available: compose tests will report why they skip');
  log('starting dockerd in the background (log: /tmp/loadnet-dockerd.log)');
  const out = openSync('/tmp/loadnet-dockerd.log', 'a');
  spawn('dockerd', [], { detached: true, stdio: ['ignore', out, out] }).unref();
  for (let i = 0; i < 60; i++) {
    if (ok('docker info')) return log('Docker engine is up');
    await new Promise((r) => setTimeout(r, 1000));
  }
  log('dockerd did not answer within 60 s: see /tmp/loadnet-dockerd.log');
}

function chromium() {
  if (existsSync('/usr/bin/chromium')) return log('chromium present');
  aptInstall(['chromium']);
}

build();
await docker();
chromium();
