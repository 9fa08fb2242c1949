// Lint rules: typescript-eslint's recommended set, plus the architecture's import boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // The node and the workers never reach into the coordinator's runtime, deployers or report.
    files: ['src/node/**/*.ts', 'workers/**/*.ts', 'src/chain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/runtime/**', '**/deployers/**', '**/report/**', '**/cli/**'] }],
    },
  },
);
