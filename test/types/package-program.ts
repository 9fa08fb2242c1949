/**
 * Type-checks code the way a user's project sees loadnet: `import … from 'loadnet'` resolves through the
 * package's own `exports` to the built declarations (dist/), never to src/. The files are placed inside the
 * package directory, so Node's self-reference (a package importing itself by name) applies; the options are
 * a user's strict NodeNext setup, without the repository's `paths` mapping.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';

export const packageRoot = resolve(import.meta.dirname, '../..');

/** What a user's tsconfig for a Node ESM project would say. */
export const userCompilerOptions: ts.CompilerOptions = {
  strict: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'], // no esnext.disposable: @types/node declares what `await using` on a RunHandle needs
  types: ['node'],
  allowJs: true,
  checkJs: true,
  // The package's own declarations are checked too: a user without skipLibCheck sees their errors.
  skipLibCheck: false,
  noEmit: true,
};

export interface PackageCompile {
  program: ts.Program;
  /** Diagnostics of the given files and of the package's own declarations (dist/), nothing else. */
  diagnostics: readonly ts.Diagnostic[];
}

/** Fails with a clear message when the declarations the test needs were never built. */
export function assertBuilt(): void {
  const entry = resolve(packageRoot, 'dist/src/index.d.ts');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build the package first (npm run build)`);
}

/**
 * One program over `files` (absolute path → text; paths need not exist on disk, but must lie inside the
 * package directory): one type-check for all of them.
 */
export function compileAgainstPackage(files: ReadonlyMap<string, string>): PackageCompile {
  assertBuilt();
  const host = ts.createCompilerHost(userCompilerOptions);
  const virtual = new Map([...files].map(([path, text]) => [resolve(path), text]));
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => virtual.has(resolve(f)) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(resolve(f)) ?? readFile.call(host, f);
  host.getSourceFile = (f, language, onError, create) => {
    const text = virtual.get(resolve(f));
    return text === undefined ? getSourceFile.call(host, f, language, onError, create) : ts.createSourceFile(f, text, language, true);
  };
  const program = ts.createProgram([...virtual.keys()], userCompilerOptions, host);
  const dist = resolve(packageRoot, 'dist') + '/';
  const ours = (d: ts.Diagnostic) => d.file === undefined || virtual.has(resolve(d.file.fileName)) || resolve(d.file.fileName).startsWith(dist);
  const diagnostics = ts.getPreEmitDiagnostics(program).filter(ours);
  return { program, diagnostics };
}

/** Where `specifier` resolves from `fromFile` in that program (to prove it is the built package). */
export function resolvedPath(fromFile: string, specifier: string): string | undefined {
  const result = ts.resolveModuleName(specifier, fromFile, userCompilerOptions, ts.sys, undefined, undefined, ts.ModuleKind.ESNext);
  return result.resolvedModule?.resolvedFileName;
}

export function formatDiagnostic(d: ts.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (!d.file || d.start === undefined) return text;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${d.file.fileName.replace(packageRoot + '/', '')}:${line + 1}:${character + 1} TS${d.code}: ${text}`;
}
