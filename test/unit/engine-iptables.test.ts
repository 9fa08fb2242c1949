// The engine applier's pieces that need no engine: the one-file tar it uploads into a fault-tools container (read
// back by the system's tar, byte for byte), and the fault-tools image's contents (this machine's iptables, the
// xtables extensions the rendered rules load, every library they link).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarOf } from '../../src/faults/appliers/engine-fault-tools.js';
import { faultToolsContents } from '../../src/deployers/swarm/fault-tools-image.js';

const hasIptables = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v iptables-restore'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('engine-iptables', () => {
  it('tarOf makes an archive the system tar extracts to the same bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loadnet-tar-'));
    try {
      const body = `*filter\n:INPUT ACCEPT [0:0]\n${'-A OUTPUT -d 10.0.0.1/32 -j DROP\n'.repeat(40)}COMMIT\n`;
      writeFileSync(join(dir, 'a.tar'), tarOf('rules', body));
      expect(execFileSync('tar', ['-tvf', join(dir, 'a.tar')], { encoding: 'utf8' })).toMatch(/^-rw-r--r-- .* rules\n$/);
      execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', dir]);
      expect(readFileSync(join(dir, 'rules'), 'utf8')).toBe(body);
      writeFileSync(join(dir, 'b.tar'), tarOf('rules', ''));
      execFileSync('tar', ['-xf', join(dir, 'b.tar'), '-C', dir]);
      expect(readFileSync(join(dir, 'rules'), 'utf8')).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasIptables)('the fault-tools image holds iptables, the extensions the rules use and their libraries', () => {
    const { contents, tools, xtables } = faultToolsContents();
    const targets = new Set(contents.entries.map((e) => `/${e.target}`));
    for (const t of [tools.restore, tools.iptables, tools.sleep, ...['standard', 'tcp', 'statistic'].map((x) => `${xtables}/libxt_${x}.so`)]) expect(targets, t).toContain(t);
    // libxt_statistic links libm; the dynamic loader and libc come with every binary.
    expect([...targets].some((t) => /\/libm\.so/.test(t))).toBe(true);
    expect([...targets].some((t) => /\/ld-linux/.test(t))).toBe(true);
  });
});
