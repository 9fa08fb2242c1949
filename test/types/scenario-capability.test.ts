// The type-level capability as users get it: `chaos()` without `enableNodeControl()` is a TypeScript error for
// code that imports the published package. Compiles test/types/scenario-capability.ts (which imports 'loadnet')
// against the built declarations with a user's strict NodeNext options: every expect-error directive must be
// used; and the same file with the directives removed (compiled in the same program) must fail on exactly those lines.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { compileAgainstPackage, formatDiagnostic, packageRoot, resolvedPath, type PackageCompile } from './package-program.js';

const file = resolve(packageRoot, 'test/types/scenario-capability.ts');
const stripped = resolve(packageRoot, 'test/types/scenario-capability.without-directives.ts');
const DIRECTIVE = /^\s*\/\/ @ts-expect-error/;

describe('DSL types through the published package', () => {
  const source = readFileSync(file, 'utf8');
  const lines = source.split('\n');
  let compiled: PackageCompile | undefined;
  const compile = () => (compiled ??= compileAgainstPackage(new Map([[file, source], [stripped, lines.map((l) => (DIRECTIVE.test(l) ? '' : l)).join('\n')]])));
  const diagnosticsIn = (path: string) => compile().diagnostics.filter((d) => d.file === undefined || resolve(d.file.fileName) === path || resolve(d.file.fileName).startsWith(resolve(packageRoot, 'dist') + '/'));

  it("'loadnet' resolves to the built declarations, not to src/", () => {
    expect(resolvedPath(file, 'loadnet')).toBe(resolve(packageRoot, 'dist/src/index.d.ts'));
    expect(compile().program.getSourceFiles().filter((f) => f.fileName.startsWith(resolve(packageRoot, 'src') + '/'))).toEqual([]);
  });

  it('the type test compiles: every @ts-expect-error marks a real error', () => {
    expect(diagnosticsIn(file).map(formatDiagnostic)).toEqual([]);
  });

  it('without the directives, each marked line is an error, chaos() before enableNodeControl() among them', () => {
    const marked = lines.flatMap((l, i) => (DIRECTIVE.test(l) ? [i + 1] : [])); // 0-based line of the next statement
    expect(marked.length).toBe(6);
    const diagnostics = diagnosticsIn(stripped);
    const errorLines = diagnostics.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line).sort((a, b) => a - b);
    expect([...new Set(errorLines)]).toEqual(marked);
    const capabilityLines = diagnostics
      .filter((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n').includes('ScenarioBuilder<true>'))
      .map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line);
    expect(new Set(capabilityLines).size).toBe(4); // the two chaos() calls, the forged assignment, fromSpec().chaos()
  });
});
