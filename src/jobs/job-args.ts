/**
 * Command-line options of `loadnet max-rate` and `loadnet soak`, parsed with node:util parseArgs (strict:
 * unknown flags are errors) into the plain option objects `maxRate()` and `soak()` take. Every bad value
 * is an LN_ERR_USAGE naming the flag, the value and what is allowed.
 */
import { parseArgs } from 'node:util';
import { LoadnetError } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { joinDashValues } from '../util/option-values.js';

function usage(flag: string, value: unknown, allowed: string): LoadnetError {
  return new LoadnetError('LN_ERR_USAGE', `--${flag}: ${JSON.stringify(value)} is not valid; allowed: ${allowed}`, { issues: [{ field: flag, value, allowed }] });
}

function num(flag: string, v: string | undefined, min: number, max: number, allowed: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x < min || x > max) throw usage(flag, v, allowed);
  return x;
}

function int(flag: string, v: string | undefined, min: number, max: number, allowed: string): number | undefined {
  const x = num(flag, v, min, max, allowed);
  if (x !== undefined && !Number.isInteger(x)) throw usage(flag, v, allowed);
  return x;
}

function dur(flag: string, v: string | undefined, minMs = 0): number | undefined {
  if (v === undefined) return undefined;
  let ms: number;
  try {
    ms = parseDuration(v, `--${flag}`);
  } catch {
    throw usage(flag, v, "a duration such as '500ms', '30s', '5m', '2h'");
  }
  if (ms < minMs) throw usage(flag, v, `a duration of at least ${minMs} ms`);
  return ms;
}

/** A fraction written as 0.05 or 5%. */
function fraction(flag: string, v: string | undefined, allowed: string): number | undefined {
  if (v === undefined) return undefined;
  const pct = v.trim().endsWith('%');
  const x = Number(pct ? v.trim().slice(0, -1) : v);
  const f = pct ? x / 100 : x;
  if (!Number.isFinite(f) || f <= 0 || f > 1 || v.trim() === '') throw usage(flag, v, allowed);
  return f;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** A size such as 16MiB, 500kB, 1e6 (bytes). */
export function parseSize(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*([0-9]+(?:\.[0-9]+)?(?:e[0-9]+)?)\s*([a-z]*)\s*$/i.exec(v);
  const unit = m?.[2]?.toLowerCase() ?? '';
  if (!m || !(unit in SIZE_UNITS)) throw usage(flag, v, 'a size in bytes with an optional unit B, kB, MB, GB, KiB, MiB, GiB (e.g. 16MiB)');
  return Number(m[1]) * SIZE_UNITS[unit]!;
}

const common = {
  deployer: { type: 'string' },
  out: { type: 'string' },
  validators: { type: 'string' },
  executors: { type: 'string' },
  workers: { type: 'string' },
  agent: { type: 'string', multiple: true },
  'agent-loss': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(argv: string[], options: T, command: string) {
  const { args, missing } = joinDashValues(argv, options);
  if (missing) throw new LoadnetError('LN_ERR_USAGE', `loadnet ${command}: ${missing.option} needs a value, but the next argument is the option ${missing.next}`, { hint: `run \`loadnet ${command} --help\` for the options` });
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new LoadnetError('LN_ERR_USAGE', `loadnet ${command}: ${(e as Error).message}`, { hint: `run \`loadnet ${command} --help\` for the options` });
  }
}

function deployerName(v: string | undefined): 'local' | 'compose' | undefined {
  if (v === undefined) return undefined;
  if (v !== 'local' && v !== 'compose') throw usage('deployer', v, 'local or compose');
  return v;
}

function onlyOneScenario(positionals: string[], command: string): string | undefined {
  if (positionals.length > 1) throw new LoadnetError('LN_ERR_USAGE', `loadnet ${command}: takes at most one scenario, got ${positionals.length}: ${positionals.join(' ')}`);
  return positionals[0];
}

export interface CommonJobArgs {
  scenarioPath?: string;
  deployer?: 'local' | 'compose';
  outDir?: string;
  validators?: number;
  executors?: number;
  workers?: number;
  /** --agent (repeatable) and --agent-loss, as given (the CLI applies them to the scenario's agents). */
  agents?: string[];
  agentLoss?: string;
  json: boolean;
  help: boolean;
}

function commonArgs(values: Record<string, string | boolean | undefined>, positionals: string[], command: string): CommonJobArgs {
  const s = (k: string) => values[k] as string | undefined;
  return {
    scenarioPath: onlyOneScenario(positionals, command),
    deployer: deployerName(s('deployer')),
    outDir: s('out'),
    validators: int('validators', s('validators'), 1, 64, 'an integer from 1 to 64'),
    executors: int('executors', s('executors'), 0, 64, 'an integer from 0 to 64'),
    workers: int('workers', s('workers'), 1, 64, 'an integer from 1 to 64'),
    agents: values.agent as unknown as string[] | undefined,
    agentLoss: s('agent-loss'),
    json: values.json === true,
    help: values.help === true,
  };
}

export interface MaxRateArgs extends CommonJobArgs {
  /** The chain under test (overrides the scenario's chain.type). */
  chain?: string;
  sloP99Ms?: number;
  minInclusion?: number;
  holdMs?: number;
  maxHolds?: number;
  sloZ?: number;
  startTps?: number;
  maxTps?: number;
  growth?: number;
  resolution?: number;
  maxTrials?: number;
  drainTimeoutMs?: number;
  signCapPerSec?: number;
  /** Searches on this many fresh deployments (seed + i each), summarised with spread and a confidence interval. */
  deployments?: number;
}

export const MAX_RATE_USAGE = `loadnet max-rate [scenario] [options]
  Find the highest transaction rate the topology sustains under an SLO (one deployment, grow then bisect, confirm).
  Without a scenario: 4 validators + 2 executors, 500 ms slots, f = 0.8. First the chain's idle latency floor is
  measured at a trickle (10 tx/s); an SLO below it stops the job with a diagnosis (exit code 1).
  --slo-p99 <duration>       p99 inclusion latency from the intended send time (default 3s, or when the idle
                             floor leaves less than a block interval under 3s: floor + 2 se + one interval)
  --min-inclusion <0..1>     fraction of sent transactions that must be included (default 0.99)
  --hold <duration>          measured window of each step (default 30s)
  --max-holds <n>            holds a step near the SLO may pool before it is judged (default 4; 1 = one hold decides)
  --slo-z <n>                standard errors of p99 between a hold and the SLO for it to decide (default 2;
                             0: one hold decides, 1000: every step takes --max-holds)
  --start <tx/s>             first rate (default 50)      --max <tx/s>  largest rate (default 100000)
  --growth <factor>          factor between grow steps (default 2)
  --resolution <fraction|%>  stop bisecting at this bracket width (default 5%)
  --max-trials <n>           bound on search steps (default 24)
  --drain-timeout <duration> bound on waiting for empty mempools between steps (default 60s)
  --validators <n> --executors <n>   topology (default: the scenario's, else 4 + 2)
  --chain <type>             the chain under test: devnet (default) or evm (one anvil, 1 s blocks, k = 3 when no
                             scenario gives them)
  --deployer local|compose   (default local)   --out <dir>  runs directory (default runs)
  --workers <n>              load worker threads   --sign-cap <sig/s>  cap signing (shows a starved generator)
  --agent <host:port>        send the load from this load agent (\`loadnet agent\`, without --once); repeatable.
                             A lost agent fails its hold (docs/agents.md)
  --deployments <n>          run the search on n fresh deployments (seed + i: each its own keys and leader
                             schedule) and report the maximum's mean, spread and 95 % confidence interval in
                             <out>/<time>-max-rate-deployments/max-rate-deployments.json (loadnet compare reads it)
  --json                     print the result as JSON`;

export function parseMaxRateArgs(argv: string[]): MaxRateArgs {
  const { values, positionals } = parse(
    argv,
    {
      ...common,
      'slo-p99': { type: 'string' },
      'min-inclusion': { type: 'string' },
      hold: { type: 'string' },
      'max-holds': { type: 'string' },
      'slo-z': { type: 'string' },
      start: { type: 'string' },
      max: { type: 'string' },
      growth: { type: 'string' },
      resolution: { type: 'string' },
      'max-trials': { type: 'string' },
      'drain-timeout': { type: 'string' },
      'sign-cap': { type: 'string' },
      chain: { type: 'string' },
      deployments: { type: 'string' },
    },
    'max-rate',
  );
  const s = (k: string) => (values as Record<string, string | undefined>)[k];
  const out: MaxRateArgs = {
    ...commonArgs(values as Record<string, string | boolean | undefined>, positionals, 'max-rate'),
    chain: s('chain'),
    sloP99Ms: dur('slo-p99', s('slo-p99'), 1),
    minInclusion: fraction('min-inclusion', s('min-inclusion'), 'a fraction in (0, 1], e.g. 0.99 or 99%'),
    holdMs: dur('hold', s('hold'), 1000),
    maxHolds: int('max-holds', s('max-holds'), 1, 20, 'an integer from 1 to 20'),
    sloZ: num('slo-z', s('slo-z'), 0, 1000, 'a number of standard errors from 0 to 1000'),
    startTps: num('start', s('start'), 0.01, 10_000_000, 'a rate in tx/s from 0.01 to 10000000'),
    maxTps: num('max', s('max'), 0.01, 10_000_000, 'a rate in tx/s from 0.01 to 10000000'),
    growth: num('growth', s('growth'), 1.1, 10, 'a factor from 1.1 to 10'),
    resolution: fraction('resolution', s('resolution'), 'a fraction in (0, 1], e.g. 0.05 or 5%'),
    maxTrials: int('max-trials', s('max-trials'), 2, 1000, 'an integer from 2 to 1000'),
    drainTimeoutMs: dur('drain-timeout', s('drain-timeout')),
    signCapPerSec: num('sign-cap', s('sign-cap'), 1, 10_000_000, 'signatures per second, from 1'),
    deployments: int('deployments', s('deployments'), 1, 100, 'an integer from 1 to 100'),
  };
  if (out.startTps !== undefined && out.maxTps !== undefined && out.startTps > out.maxTps) throw usage('start', out.startTps, `a rate ≤ --max (${out.maxTps})`);
  return out;
}

export interface SoakArgs extends CommonJobArgs {
  durationMs?: number;
  sampleIntervalMs?: number;
  checkpointIntervalMs?: number;
  warmupMs?: number;
  rateTps?: number;
  maxHeapGrowthPerHour?: number;
  maxCoordinatorRssGrowthPerHour?: number;
  maxNodeRssGrowthPerHour?: number;
  maxMempoolGrowthPerHour?: number;
  maxDiskGrowthPerHour?: number;
}

export const SOAK_USAGE = `loadnet soak [scenario] [options]
  Run a scenario for hours with flat memory, summary checkpoints and leak checks (node RSS, mempool, disk, coordinator heap).
  --duration <duration>             run window (default: the scenario's)
  --rate <tx/s>                     override the transaction rate (default: the scenario's)
  --sample-interval <duration>      resource samples (default 30s; each forces one GC in the coordinator)
  --checkpoint-interval <duration>  summary.partial.json (default 5m)
  --warmup <duration>               not judged at the start (default min(5m, 10% of the window))
  --max-heap-growth <size>          coordinator heap after GC, per hour (default 16MiB)
  --max-coordinator-rss-growth <size>  per hour (default 64MiB)
  --max-node-rss-growth <size>      per node, per hour (default 64MiB)
  --max-mempool-growth <tx>         pending transactions per hour, per node (default 3600)
  --max-disk-growth <size>          node data dir per hour (default 1GiB)
  --agent <host:port>               the transaction load from this load agent; repeatable (docs/agents.md)
  --agent-loss fail|continue        a lost agent stops the load (default) or the others go on
  --validators <n> --executors <n>  --deployer local|compose  --out <dir>  --workers <n>  --json`;

export function parseSoakArgs(argv: string[]): SoakArgs {
  const { values, positionals } = parse(
    argv,
    {
      ...common,
      duration: { type: 'string' },
      rate: { type: 'string' },
      'sample-interval': { type: 'string' },
      'checkpoint-interval': { type: 'string' },
      warmup: { type: 'string' },
      'max-heap-growth': { type: 'string' },
      'max-coordinator-rss-growth': { type: 'string' },
      'max-node-rss-growth': { type: 'string' },
      'max-mempool-growth': { type: 'string' },
      'max-disk-growth': { type: 'string' },
    },
    'soak',
  );
  const s = (k: string) => (values as Record<string, string | undefined>)[k];
  return {
    ...commonArgs(values as Record<string, string | boolean | undefined>, positionals, 'soak'),
    durationMs: dur('duration', s('duration'), 1000),
    rateTps: num('rate', s('rate'), 0.01, 10_000_000, 'a rate in tx/s from 0.01'),
    sampleIntervalMs: dur('sample-interval', s('sample-interval'), 100),
    checkpointIntervalMs: dur('checkpoint-interval', s('checkpoint-interval'), 100),
    warmupMs: dur('warmup', s('warmup')),
    maxHeapGrowthPerHour: parseSize('max-heap-growth', s('max-heap-growth')),
    maxCoordinatorRssGrowthPerHour: parseSize('max-coordinator-rss-growth', s('max-coordinator-rss-growth')),
    maxNodeRssGrowthPerHour: parseSize('max-node-rss-growth', s('max-node-rss-growth')),
    maxMempoolGrowthPerHour: num('max-mempool-growth', s('max-mempool-growth'), 0, 1e12, 'a non-negative number of transactions per hour'),
    maxDiskGrowthPerHour: parseSize('max-disk-growth', s('max-disk-growth')),
  };
}
