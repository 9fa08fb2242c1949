import { defineConfig } from 'vitest/config';

// Integration tests spawn real node processes and containers on a 2-core machine:
// run files one at a time so timings stay honest, and give them room.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Rebuilds dist/ when a source is newer (node processes and workers run from dist/).
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
    reporters: ['default'],
  },
});
