/**
 * What a run keeps from other users of the machine: node config files (they hold each node's identity
 * seed) and the run's testing-API token are written readable by the owner only (0600). The token is made
 * once per run, written to `<runDir>/testing-token`, and handed to every node's config and to the
 * clients that drive the nodes' testing API (node control, network faults).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../util/private-file.js';

export { writePrivateFile };

export const TESTING_TOKEN_FILE = 'testing-token';

/** The run's testing-API token: read from `<runDir>/testing-token`, made and written (0600) on first use. */
export function runTestingToken(runDir: string): string {
  const file = join(runDir, TESTING_TOKEN_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(32).toString('hex');
  writePrivateFile(file, `${token}\n`);
  return token;
}
