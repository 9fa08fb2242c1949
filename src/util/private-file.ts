/** Files other users of the machine must not read (a node's identity seed, a run's token). */
import { chmodSync, writeFileSync } from 'node:fs';

/** Write `text` to `path` readable and writable by the owner only (also when the file existed before). */
export function writePrivateFile(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}
