/**
 * Whether `loadnet run <path>` names feature files: a .feature file, or a directory with at least one below it.
 * Kept apart from the parser so `loadnet run scenario.json` does not load it.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function isFeatureFile(path: string): boolean {
  return path.toLowerCase().endsWith('.feature');
}

/** Every .feature file below a directory (sorted; hidden directories and node_modules skipped). */
export function featureFilesIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && isFeatureFile(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export function isFeatureTarget(path: string): boolean {
  try {
    const st = statSync(path);
    if (st.isFile()) return isFeatureFile(path);
    return st.isDirectory() && featureFilesIn(path).length > 0;
  } catch {
    return isFeatureFile(path);
  }
}
