// Lint rules: typescript-eslint's recommended set, plus the architecture's import boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importBoundaries } from './lint/import-boundaries.js';

// The import boundaries of the data path (docs/ARCHITECTURE.md, "Import boundaries"): what each area may import
// besides itself. A folder ends in '/'; a file is named whole. src/errors.ts and src/util/ are open to all.
const BASE = ['src/errors.ts', 'src/util/'];
const NODE_CONFIG = 'src/node/config.ts'; // the node's config file is a contract; the rest of node/ is not
const BOUNDARIES = {
  'src/errors.ts': [],
  'src/util/': ['src/errors.ts'],
  'src/chain/': BASE,
  'src/node/': [...BASE, 'src/chain/'],
  'workers/': [...BASE, 'src/chain/', 'src/load/protocol.ts', 'src/load/schedule.ts', 'src/load/histogram.ts'],
  'src/scenario/': [...BASE, 'src/chain/', 'src/runtime/', 'src/workloads/', 'src/expectations/'],
  'src/deployers/': [...BASE, 'src/chain/', 'src/runtime/', 'src/scenario/', NODE_CONFIG],
  'src/runtime/': [...BASE, 'src/chain/', 'src/scenario/', 'src/deployers/', 'src/report/', NODE_CONFIG],
  'src/load/': [...BASE, 'src/chain/', 'src/runtime/', 'src/scenario/'],
  'src/workloads/': [...BASE, 'src/chain/', 'src/load/', 'src/runtime/', 'src/scenario/', NODE_CONFIG],
  'src/expectations/': [...BASE, 'src/chain/', 'src/runtime/', 'src/scenario/', NODE_CONFIG],
  'src/report/': [...BASE, 'src/runtime/', 'src/scenario/', 'src/jobs/max-rate-result.ts'],
  'src/jobs/': [...BASE, 'src/chain/', 'src/deployers/', 'src/load/', 'src/runtime/', 'src/scenario/', 'src/workloads/', 'src/expectations/'],
  'src/cli/': ['src/'],
  // Feature files are a front end like the CLI: steps build through the DSL, runs go through the CLI's deployer choice.
  'src/gherkin/': [...BASE, 'src/scenario/', 'src/runtime/', 'src/jobs/', 'src/report/', 'src/cli/'],
  // The library surface re-exports everything but the CLI (nothing imports the entry point).
  'src/index.ts': [...BASE, 'src/chain/', 'src/scenario/', 'src/runtime/', 'src/deployers/', 'src/load/', 'src/workloads/', 'src/expectations/', 'src/report/', 'src/jobs/'],
  'examples/': [],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'runs/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly', performance: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly', structuredClone: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'workers/**/*.ts', 'examples/**/*.ts'],
    plugins: { loadnet: { rules: { 'import-boundaries': importBoundaries } } },
    // cli/ loads the user's scenario and plug-in modules by path: its import() may be computed.
    rules: { 'loadnet/import-boundaries': ['error', { root: import.meta.dirname, areas: BOUNDARIES, userModules: ['src/cli/'] }] },
  },
);
