import { defineConfig } from 'vitest/config';

// Three pools, run one after the other (sequence.groupOrder), so no pool shares the 2-core machine with another:
//
// - quick: unit and type tests (no node process, no container, no timing bound on a deployment), 2 files at a time.
// - paired: integration files that mostly wait on the clock (slot timers, run windows, container starts), 2 files
//   at a time. A file is here only when all three hold:
//   (1) its CPU, children and containers included, is well under one core on average, so two fit the 2 cores
//       (measured alone: a cpuacct cgroup around `npx vitest run <file>`, plus Docker's cgroup, which other runs
//       on the shared machine also used, so an upper bound; CPU s against the last CI's wall s: examples-seed
//       47 + 36 / 148, features-run 47 + 17 / 107, jobs-soak 33 + 15 / 105, evm-anvil 12 + 31 / 104, cli
//       23 + 10 / 27: at most 0.4-0.6 of a core each, 1.2 for the short cli file);
//   (2) its bounds are counts or lower bounds that a slower machine only makes easier, or run expectations that
//       passed paired at load averages of 23-40 (shared machine); no latency, propagation, pacing or clock bound
//       of a few hundred ms, no rate measured;
//   (3) it shares nothing with another run: no planted or killed coordinator for a run's start-up sweep to find,
//       no scan of every process or container.
// - serial: everything else, one file at a time: rate and latency measurements (max rate, engine pacing, replay,
//   link shaper, clock skew within 100-200 ms, P2P budgets per second, propagation p99 in compose-run and
//   flooding-peer, block gaps in expect-violations, run-to-run comparison in compare-runs, convergence within
//   4 s in adversary-races, restarts per window in chaos-restart, the partition races of faults-run,
//   node-partition and mempool-exchange-run), files whose runs sweep or are swept (local-orphans,
//   compose-cleanup, runtime-attach, runtime-interrupt, runtime-custom), and the files other work owns now
//   (swarm, agents, adversaries, fees).
// compose-run, expect-violations, compare-runs and node-partition failed paired at load ~23 (tier A p99
// 2552 ms > 1500; a 2.5 s gap where >= 3.5 s was asserted; two runs of one build told apart; a partition race),
// and adversary-races and chaos-restart failed alone under that load: all went back to serial. A file that
// turns flaky paired goes back to serial; its bound is not loosened. This pool as it stands: 29 of 29 files
// pass, 534 s wall, 263 CPU s outside containers (`npx vitest run --project paired`, clean clone, 18:10 UTC
// 2026-12-03, load 10-18 from other work); the same files took 781 s one at a time in the last CI.
const QUICK = ['test/unit/**/*.test.ts', 'test/types/**/*.test.ts'];
const PAIRED = [
  'examples-seed',
  'features-run',
  'jobs-soak',
  'evm-anvil',
  'evm-compose',
  'run-rejects',
  'node-restart',
  'load-real-nodes',
  'load-da',
  'expect-healthy',
  'local-deploy',
  'runtime-block-feed',
  'load-stranded-wallets',
  'node-storage-integrity',
  'p2p-da-star',
  'node-mempool-exchange',
  'report-browser',
  'local-parallel',
  'local-topology',
  'node-process',
  'node-mempool-restart',
  'node-da',
  'testing-api-token',
].map((n) => `test/integration/${n}.test.ts`).concat(['cli', 'plugins', 'features', 'check', 'render-k8s', 'run-input-messages'].map((n) => `test/cli/${n}.test.ts`));

export default defineConfig({
  test: {
    // Rebuilds dist/ when a source is newer (node processes and workers run from dist/).
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'quick', include: QUICK, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'paired', include: PAIRED, maxWorkers: 2, sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        test: { name: 'serial', include: ['test/**/*.test.ts'], exclude: [...QUICK, ...PAIRED], fileParallelism: false, sequence: { groupOrder: 2 } },
      },
    ],
  },
});
