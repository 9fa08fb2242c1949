/**
 * The devnet's maximum sustainable rate for 4 validators + 2 executors on this machine, found twice by
 * `loadnet max-rate` (the CLI from dist/, each run its own deployment), with the agreement between the runs.
 * Prints each run's curve table, the two figures, their brackets and the relative difference, and the load
 * average before and after (this is a shared 2-core machine).
 *
 * Run: npx tsc -p tsconfig.build.json && npx tsx bench/max-rate-4x2.ts [extra max-rate flags...]
 * Default flags: --slo-p99 3s --min-inclusion 0.99 --hold 30s --max-holds 4 --start 50 --resolution 10%
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatCurveTable, type MaxRateSummary } from '../src/jobs/max-rate-result.js';

const cli = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const scenario = fileURLToPath(new URL('./max-rate-4x2.scenario.json', import.meta.url));
const flags = process.argv.slice(2).length ? process.argv.slice(2) : ['--slo-p99', '3s', '--min-inclusion', '0.99', '--hold', '30s', '--max-holds', '4', '--start', '50', '--resolution', '10%'];

function runOnce(): Promise<MaxRateSummary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'max-rate', scenario, ...flags, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out) as MaxRateSummary);
      } catch (e) {
        reject(new Error(`max-rate printed no JSON result: ${(e as Error).message}\n${out.slice(0, 500)}`));
      }
    });
  });
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(' / ');
console.log(`load average before: ${load()}   flags: ${flags.join(' ')}`);
const results: MaxRateSummary[] = [];
for (let i = 0; i < 2; i++) {
  const started = Date.now();
  const r = await runOnce();
  results.push(r);
  console.log(`\n### run ${i + 1}: ${r.message} (${((Date.now() - started) / 60_000).toFixed(1)} min, load average now ${load()})\n`);
  console.log(formatCurveTable(r));
}
const [a, b] = results.map((r) => r.maxRateTps);
if (a != null && b != null) {
  const diff = Math.abs(a - b) / ((a + b) / 2);
  const overlap = Math.max(results[0]!.bracket.lastPassTps ?? 0, results[1]!.bracket.lastPassTps ?? 0) <= Math.min(results[0]!.bracket.firstFailTps ?? Infinity, results[1]!.bracket.firstFailTps ?? Infinity);
  console.log(`\nfigures: ${a} and ${b} tx/s; difference ${(diff * 100).toFixed(1)} % of their mean; brackets ${overlap ? 'overlap' : 'do not overlap'}`);
} else {
  console.log(`\nno agreement to state: statuses ${results.map((r) => r.status).join(', ')}`);
}
console.log(`load average after: ${load()}`);
