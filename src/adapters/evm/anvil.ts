/** Where the anvil binary is: from the npm package (@foundry-rs/anvil-<platform>-<arch>) or LOADNET_ANVIL. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LoadnetError } from '../../errors.js';

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

export function anvilBinary(): string {
  const fromEnv = process.env.LOADNET_ANVIL;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new LoadnetError('LN_ERR_DEPLOY', `anvil binary not found at LOADNET_ANVIL=${fromEnv}`, { hint: 'point LOADNET_ANVIL at an anvil executable, or unset it to use the npm package' });
    return fromEnv;
  }
  const pkg = `@foundry-rs/anvil-${process.platform === 'win32' ? 'win32' : process.platform}-${ARCH[process.arch] ?? process.arch}`;
  try {
    const dir = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
    const bin = join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
    if (existsSync(bin)) return bin;
  } catch {
    // not installed: said below
  }
  throw new LoadnetError('LN_ERR_DEPLOY', `anvil binary not found: the npm package ${pkg} is not installed`, {
    hint: `npm install @foundry-rs/anvil (it pulls ${pkg} for this platform), or set LOADNET_ANVIL to an anvil executable`,
  });
}
