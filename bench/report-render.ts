/**
 * How long `renderRunReports` takes, and how big report.html gets, for soak-length run directories.
 * The run directories are synthetic (events shaped like a real run's: 1 s load intervals, a node.sample per
 * node per second, a block every 2 s with its finality, a restart fault every 5 min) because the figure is
 * about the report's cost over record size, not about the chain. Prints one row per run length.
 *
 *   npx tsx bench/report-render.ts [hours...]      (default: 0.25 1 4)
 */
import { mkdtempSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderRunReports } from '../src/report/index.js';

const NODES = ['validator-0', 'validator-1', 'validator-2', 'validator-3', 'executor-0', 'executor-1'];

function writeRun(dir: string, hours: number): number {
  const t0 = Date.now();
  const seconds = Math.round(hours * 3600);
  const fd = openSync(join(dir, 'events.jsonl'), 'w');
  let lines = 0;
  const emit = (s: number, kind: string, data: Record<string, unknown>) => {
    writeSync(fd, `${JSON.stringify({ t: t0 + s * 1000, wall: new Date(t0 + s * 1000).toISOString(), kind, ...data })}\n`);
    lines++;
  };
  const pct = (p99: number) => ({ count: 100, p50: p99 / 3, p90: p99 / 1.5, p99, p999: p99 * 1.2, max: p99 * 1.5 });
  emit(0, 'run.phase', { phase: 'window' });
  for (let s = 1; s <= seconds; s++) {
    const rate = 500 + 50 * Math.sin(s / 300);
    emit(s, 'load.interval', { workload: 'transactions', intervalMs: 1000, targetTps: 500, offeredTps: rate, acceptedTps: rate - 2, rejectedTps: 2, erroredTps: 0, includedTps: rate - 5, inFlight: 800, submitCorrected: pct(40), submitUncorrected: pct(30), inclusion: pct(2500 + (s % 97) * 10), scheduleLagP99Ms: 3 });
    for (const [i, node] of NODES.entries()) emit(s, 'node.sample', { node, up: true, height: Math.floor(s / 2) - (i % 2), libHeight: Math.floor(s / 2) - 10, pending: 400 + ((s * (i + 1)) % 200) });
    if (s % 2 === 0) {
      const h = s / 2;
      emit(s, 'block', { id: `b${h}`, height: h, slot: s, node: NODES[h % NODES.length], txCount: 1000 });
      if (h > 10) emit(s, 'block.final', { id: `b${h - 10}`, height: h - 10 });
    }
    if (s % 300 === 0) {
      emit(s, 'fault.start', { faultId: `f${s}`, fault: 'restart', target: NODES[(s / 300) % NODES.length] });
      emit(s + 3, 'fault.end', { faultId: `f${s}`, fault: 'restart', target: NODES[(s / 300) % NODES.length], ok: true, durationMs: 3000 });
    }
  }
  emit(seconds, 'run.phase', { phase: 'done' });
  closeSync(fd);
  const scenario = { version: 1, name: `soak-${hours}h`, seed: 1, topology: { shape: 'star', validators: 4, executors: 2 }, consensus: { slotDurationMs: 1000, activeSlotCoeff: 0.5, securityParam: 10 }, wallets: { count: 1000, fundsPerWallet: 1e9 }, nodeControl: true, durationMs: seconds * 1000, cooldownMs: 30_000, workloads: [], expectations: [] };
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify(scenario));
  const summary = { scenario: scenario.name, runDir: dir, verdict: 'pass', interrupted: false, startedAt: new Date(t0).toISOString(), endedAt: new Date(t0 + seconds * 1000).toISOString(), expectations: [{ name: 'consensus-liveness', status: 'pass', message: 'ok', durationMs: 10 }], chain: {} };
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
  return lines;
}

const hoursList = process.argv.slice(2).map(Number).filter((h) => h > 0);
console.log('| run length | events | events.jsonl | render time | report.html | heap used after |');
console.log('|---:|---:|---:|---:|---:|---:|');
for (const hours of hoursList.length ? hoursList : [0.25, 1, 4]) {
  const dir = mkdtempSync(join(tmpdir(), 'loadnet-bench-report-'));
  try {
    const lines = writeRun(dir, hours);
    const started = performance.now();
    await renderRunReports(dir);
    const ms = performance.now() - started;
    const mb = (p: string) => (statSync(join(dir, p)).size / 1e6).toFixed(1);
    console.log(`| ${hours} h | ${lines.toLocaleString('en-US')} | ${mb('events.jsonl')} MB | ${(ms / 1000).toFixed(2)} s | ${mb('report.html')} MB | ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
