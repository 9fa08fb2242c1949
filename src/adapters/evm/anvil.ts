/** Where the anvil binary is: from the npm package (@foundry-rs/anvil-<platform>-<arch>) or LOADNET_ANVIL. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LoadnetError } from '../../errors.js';

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

/** `platform`/`arch`: this machine's unless asked for another's (the error for a package not installed names it). */
export function anvilBinary(platform: string = process.platform, arch: string = process.arch): string {
  const fromEnv = process.env.LOADNET_ANVIL;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new LoadnetError('LN_ERR_DEPLOY', `anvil binary not found at LOADNET_ANVIL=${fromEnv}`, { hint: 'point LOADNET_ANVIL at an anvil executable, or unset it to use the npm package' });
    return fromEnv;
  }
  const pkg = `@foundry-rs/anvil-${platform}-${ARCH[arch] ?? arch}`;
  try {
    const dir = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
    const bin = join(dir, 'bin', platform === 'win32' ? 'anvil.exe' : 'anvil');
    if (existsSync(bin)) return bin;
  } catch {
    // not installed: said below
  }
  throw new LoadnetError('LN_ERR_DEPLOY', `anvil binary not found: the npm package ${pkg} is not installed`, {
    hint: `npm install @foundry-rs/anvil (it pulls ${pkg} for this platform), or set LOADNET_ANVIL to an anvil executable`,
  });
}
