// The type-level capability: `chaos()` without `enableNodeControl()` is a TypeScript error. Compiles
// test/types/scenario-capability.ts with the project's options (every expect-error directive must be used), then the same
// file with the directives removed, which must fail on exactly those lines.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const file = resolve(root, 'test/types/scenario-capability.ts');

let previous: ts.Program | undefined;

/** Type-check the test file with `source` as its text; the second compile reuses the first program's other files. */
function compile(source: string): readonly ts.Diagnostic[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(resolve(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const options = { ...parsed.options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  host.readFile = (f) => (resolve(f) === file ? source : read(f));
  const program = ts.createProgram([file], options, host, previous);
  previous = program;
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file && resolve(d.file.fileName) === file);
}

describe('DSL types', () => {
  const source = readFileSync(file, 'utf8');

  it('the type test compiles: every @ts-expect-error marks a real error', () => {
    const diags = compile(source);
    expect(diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  });

  it('without the directives, chaos() before enableNodeControl() is an error on exactly those lines', () => {
    const lines = source.split('\n');
    const marked = lines.flatMap((l, i) => (/^\s*\/\/ @ts-expect-error/.test(l) ? [i + 1] : [])); // 0-based line of the next statement
    expect(marked.length).toBe(4);
    const stripped = lines.map((l) => (/^\s*\/\/ @ts-expect-error/.test(l) ? '' : l)).join('\n');
    const diags = compile(stripped);
    const errorLines = diags.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line).sort((a, b) => a - b);
    expect([...new Set(errorLines)]).toEqual(marked);
    const chaosErrors = diags.filter((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n').includes('ScenarioBuilder<true>'));
    expect(chaosErrors.length).toBe(2);
  });
});
