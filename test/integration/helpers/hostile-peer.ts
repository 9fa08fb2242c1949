/**
 * What the P2P attack test and bench share: a hostile peer (the package's devnet P2P client, authenticated
 * as identity `index` of `seed`) and the victim's resident set size.
 */
import * as fs from 'node:fs';
import { DevnetPeer } from 'loadnet';

export const rawPeer = (port: number, chainId: string, seed: string, index: number): Promise<DevnetPeer> => DevnetPeer.connect({ port, chainId, identity: { seed, index }, name: 'attacker' });

/** Victim's resident set size in MiB (from /proc). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
