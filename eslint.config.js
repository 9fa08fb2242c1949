// Lint rules: typescript-eslint's recommended set, plus the architecture's import boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importBoundaries } from './lint/import-boundaries.js';

// The import boundaries of the data path (docs/ARCHITECTURE.md, "Import boundaries"): what each area may import
// besides itself. A folder ends in '/'; a file is named whole. src/errors.ts and src/util/ are open to all.
const BASE = ['src/errors.ts', 'src/util/'];
const NODE_CONFIG = 'src/node/config.ts'; // the node's config file is a contract; the rest of node/ is not
const NODE_DEFENSE_NAMES = 'src/node/defenses.ts'; // the names a config's defensesOff takes (the devnet adapter checks a scenario's)
// The chain seam: the framework reaches a chain only through these (docs/adapters.md).
const SEAM = ['src/adapters/seam.ts', 'src/adapters/registry.ts'];
const SPEC = 'src/scenario/spec.ts';
// The devnet's wire format and node client (the `loadnet/chain` export): the node and the devnet adapter share it.
const DEVNET_WIRE = 'src/adapters/devnet/wire/';
const DEVNET_CLIENT = 'src/adapters/devnet/client.ts';
const CHECKERS = ['src/expectations/recorded.ts', 'src/expectations/bundled.ts', 'src/expectations/adversary.ts'];
const BOUNDARIES = {
  'src/errors.ts': [],
  'src/util/': ['src/errors.ts'],
  'src/node/': [...BASE, DEVNET_WIRE],
  // Appliers that shape a node's surroundings (its links, its clock) for any chain: sockets, files, env.
  'src/shaper/': BASE,
  'src/adapters/seam.ts': [SPEC],
  'src/adapters/registry.ts': [...BASE, 'src/adapters/', SPEC],
  'src/adapters/module-path.ts': BASE,
  'src/adapters/devnet/': [...BASE, ...SEAM, 'src/adapters/module-path.ts', NODE_CONFIG, NODE_DEFENSE_NAMES, SPEC, 'src/runtime/contracts.ts'],
  [DEVNET_WIRE]: BASE,
  'src/adapters/evm/': [...BASE, ...SEAM, 'src/adapters/module-path.ts', SPEC],
  'workers/': [...BASE, 'src/adapters/seam.ts', 'src/load/protocol.ts', 'src/load/schedule.ts', 'src/load/histogram.ts'],
  // It imports a chain's transaction factory by the path the chain's adapter names (a computed import()).
  'workers/load-worker.ts': [...BASE, 'src/adapters/seam.ts', 'src/load/protocol.ts', 'src/load/schedule.ts', 'src/load/histogram.ts', 'workers/'],
  'src/scenario/': [...BASE, ...SEAM, 'src/runtime/', 'src/workloads/', 'src/expectations/', 'src/faults/', 'src/adversary/'],
  // The fault seam: desired state, appliers, the generic node control and the nemeses (between runtime and deployers).
  'src/faults/': [...BASE, ...SEAM, 'src/runtime/', 'src/scenario/', 'src/shaper/', ...CHECKERS],
  // Adversarial workloads against the devnet: they craft its transactions and speak its protocols; their
  // bundled expectations judge the history through the shared checkers.
  'src/adversary/': [...BASE, ...SEAM, DEVNET_WIRE, DEVNET_CLIENT, 'src/adapters/devnet/options.ts', 'src/load/', 'src/runtime/', 'src/scenario/', NODE_CONFIG, ...CHECKERS],
  // The local and compose deployers launch the devnet (its plan, configs and client); attach goes through the seam only.
  'src/deployers/': [...BASE, ...SEAM, 'src/shaper/', 'src/adapters/devnet/', 'src/runtime/', 'src/scenario/', 'src/faults/', NODE_CONFIG],
  'src/runtime/': [...BASE, ...SEAM, 'src/scenario/', 'src/deployers/', 'src/report/'],
  'src/load/': [...BASE, ...SEAM, 'src/runtime/', 'src/scenario/'],
  // It re-signs a lost load agent's transactions with the chain's factory, by the path the adapter names (a computed import()).
  'src/load/agent-loss.ts': [...BASE, ...SEAM, 'src/runtime/', 'src/scenario/', 'src/load/'],
  // A workload's bundled expectation judges the history through the shared checkers.
  'src/workloads/': [...BASE, ...SEAM, 'src/load/', 'src/runtime/', 'src/scenario/', 'src/faults/', ...CHECKERS],
  'src/expectations/': [...BASE, ...SEAM, 'src/runtime/', 'src/scenario/', 'src/faults/'],
  'src/report/': [...BASE, 'src/runtime/', 'src/scenario/', 'src/jobs/max-rate-result.ts'],
  'src/jobs/': [...BASE, ...SEAM, 'src/deployers/', 'src/load/', 'src/runtime/', 'src/scenario/', 'src/workloads/', 'src/expectations/', 'src/faults/'],
  // Compares saved runs: reads them as the report does, merges interval histograms, batch-means errors.
  'src/compare/': [...BASE, 'src/report/', 'src/scenario/spec.ts', 'src/runtime/contracts.ts', 'src/load/histogram.ts', 'src/jobs/batch-means.ts', 'src/jobs/max-rate-result.ts', 'src/jobs/max-rate-deployments.ts'],
  'src/cli/': ['src/'],
  // Feature files are a front end like the CLI: steps build through the DSL, runs go through the CLI's deployer choice.
  'src/gherkin/': [...BASE, 'src/scenario/', 'src/runtime/', 'src/jobs/', 'src/report/', 'src/cli/'],
  // The library surface re-exports everything but the CLI (nothing imports the entry point).
  'src/index.ts': [...BASE, 'src/adapters/', 'src/scenario/', 'src/runtime/', 'src/deployers/', 'src/load/', 'src/workloads/', 'src/expectations/', 'src/report/', 'src/jobs/', 'src/faults/', 'src/adversary/'],
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
    // cli/ loads the user's scenario and plug-in modules by path, the load worker a chain's transaction
    // factory by the path its adapter names: their import() may be computed.
    rules: { 'loadnet/import-boundaries': ['error', { root: import.meta.dirname, areas: BOUNDARIES, userModules: ['src/cli/', 'workers/load-worker.ts', 'src/load/agent-loss.ts'] }] },
  },
);
