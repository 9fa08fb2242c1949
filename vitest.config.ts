import { defineConfig } from 'vitest/config';

// Integration tests spawn real node processes and containers on a 2-core machine: they run one file at a
// time so their timings stay honest, and get room. Pure files (unit and type tests: no node process, no
// container, no timing bound on a deployment) run first, two files at a time, and all finish before the
// first serial file starts (sequence.groupOrder), so they never share the machine with a deployment.
const QUICK = ['test/unit/**/*.test.ts', 'test/types/**/*.test.ts'];

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
        test: { name: 'serial', include: ['test/**/*.test.ts'], exclude: QUICK, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
