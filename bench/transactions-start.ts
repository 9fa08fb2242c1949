/**
 * How far into the window a plain `transactions` workload's load starts (its schedule's first send, the
 * `load.traffic` offset), prepared before the window (Workload.prepare, what the runner does now) and started
 * unprepared (the same workload with its `prepare` hidden from the runner: the engine's workers spawn inside the
 * window, as before the change). The two alternate round by round, each on its own fresh deployment (2 validators,
 * 500 ms slots, 40 tx/s from 20 wallets), so the machine's load drifts over both alike.
 *
 *   npx tsx bench/transactions-start.ts [rounds=3] [window=6s] [deployer=local|compose]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComposeDeployer, LocalDeployer, ScenarioBuilder, type Scenario, type Workload } from '../src/index.js';

const rounds = Number(process.argv[2] ?? 3);
const window = process.argv[3] ?? '6s';
const deployerName = process.argv[4] ?? 'local';
if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`rounds is ${process.argv[2]}; allowed: a whole number ≥ 1`);
if (deployerName !== 'local' && deployerName !== 'compose') throw new Error(`deployer is ${deployerName}; allowed: local or compose`);

function scenario(name: string): Scenario {
  return ScenarioBuilder.topology().networkStar().validators(2).apply().slotDuration('500ms').activeSlotCoeff(0.8).securityParam(3).wallets(20).transactions().ratePerSecond(40).apply().withRunDuration(window).withCooldown('2s').named(name).build();
}

/** The workload as the runner saw every `transactions` workload before: no `prepare`, so its engine starts in the window. */
function unprepared(w: Workload): Workload {
  return { name: w.name, start: (ctx, signal) => w.start(ctx, signal), finish: w.finish && ((ctx) => w.finish!(ctx)), expectations: w.expectations && (() => w.expectations!()) };
}

const load = () => loadavg()[0]!.toFixed(2);
const outDir = mkdtempSync(join(tmpdir(), 'loadnet-bench-txstart-'));
const rows: Array<{ variant: string; offsetMs: number; loadBefore: string; loadAfter: string; verdict: string }> = [];
console.log(`transactions-start: ${rounds} rounds, ${window} window, ${deployerName}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
try {
  for (let i = 0; i < rounds; i++) {
    for (const variant of ['prepared', 'unprepared'] as const) {
      const base = scenario(`txstart-${variant}-${i}`);
      const s: Scenario = variant === 'prepared' ? base : { ...base, workloads: base.workloads.map(unprepared) };
      const loadBefore = load();
      const deployer = deployerName === 'local' ? new LocalDeployer({ outDir, reports: false }) : new ComposeDeployer({ outDir, reports: false });
      const runner = await deployer.deploy(s);
      try {
        const handle = await runner.run(s, { rejectOnFailure: false });
        const traffic = readFileSync(join(handle.runDir, 'events.jsonl'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { kind: string; offsetMs?: number })
          .find((e) => e.kind === 'load.traffic');
        const row = { variant, offsetMs: traffic?.offsetMs ?? NaN, loadBefore, loadAfter: load(), verdict: handle.summary.verdict };
        rows.push(row);
        console.log(`round ${i + 1} ${variant.padEnd(10)} load starts ${row.offsetMs} ms into the window; load ${row.loadBefore} -> ${row.loadAfter}; verdict ${row.verdict}`);
      } finally {
        await runner.dispose();
      }
    }
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const v of ['prepared', 'unprepared']) {
  const xs = rows.filter((r) => r.variant === v).map((r) => r.offsetMs);
  console.log(`${v}: median ${median(xs)} ms, range ${Math.min(...xs)}-${Math.max(...xs)} ms (${xs.length} runs)`);
}
