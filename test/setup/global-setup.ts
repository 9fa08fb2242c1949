// vitest's global setup, run once before any test file of every vitest invocation (the whole suite or
// `npx vitest run test/one.test.ts`): dist/ must be built from the current sources (build-freshness.ts).
import { join } from 'node:path';
import { ensureFreshBuild } from './build-freshness.js';

export default function setup(): void {
  ensureFreshBuild(join(import.meta.dirname, '../..'));
}
