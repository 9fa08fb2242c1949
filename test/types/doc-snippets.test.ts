// Every code block in README.md and docs/*.md is a tested example, checked as a user would meet it: against the
// built package ('loadnet' and its subpaths through package.json "exports"), never src/.
//
// The conventions (each block's fence must name its language):
// - ```ts / ```js: a complete module, type-checked (strict, NodeNext). All of them in one program.
//   First line `// continues the example above` : compiled together with the previous ts/js block of the same file.
//   First line `// fragment: <why>`               : only parsed (syntax), for the few blocks that cannot stand alone.
//   Every value a block imports is also imported at run time (one Node process), as a user's script would.
// - ```sh: `bash -n` clean, every `npm run <script>` exists, every repository path it names exists.
// - ```json: parses.
// - ```gherkin: a feature file: `loadnet run <it> --dry-run` (the built CLI) parses and compiles every scenario.
// - ```text: output, trees, usage: not checked.
// examples/*.ts, which the docs point to as complete programs, are type-checked in the same program.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { assertBuilt, compileAgainstPackage, formatDiagnostic, packageRoot, resolvedPath, type PackageCompile } from './package-program.js';

interface Block {
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  body: string;
}

function markdownFiles(): string[] {
  const docs = readdirSync(resolve(packageRoot, 'docs')).filter((f) => f.endsWith('.md')).sort();
  return ['README.md', ...docs.map((f) => `docs/${f}`)];
}

/** Fenced blocks (``` or ~~~, possibly indented in a list), with the first word of the info string as the language. */
function fencedBlocks(doc: string): Block[] {
  const lines = readFileSync(resolve(packageRoot, doc), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(lines[j]!);
      if (close && close[1]![0] === fence![0] && close[1]!.length >= fence!.length) break;
      body.push(lines[j]!.startsWith(indent!) ? lines[j]!.slice(indent!.length) : lines[j]!);
    }
    blocks.push({ doc, line: i + 1, lang: open[3]!.toLowerCase(), body: body.join('\n') });
    i = j;
  }
  return blocks;
}

const CODE = new Set(['ts', 'typescript', 'js', 'javascript']);
const SHELL = new Set(['sh', 'bash', 'shell']);
const JSON_LANGS = new Set(['json']);
const TEXT = new Set(['text', 'txt']);
const GHERKIN = new Set(['gherkin', 'feature']);
const CONTINUES = /^\/\/ continues the example above\b/;
const FRAGMENT = /^\/\/ fragment: (.*)$/;

const where = (b: Block) => `${b.doc}:${b.line}`;
const blocks = markdownFiles().flatMap(fencedBlocks);
const code = blocks.filter((b) => CODE.has(b.lang));
const firstLine = (b: Block) => b.body.split('\n')[0]!.trim();
const fragments = code.filter((b) => FRAGMENT.test(firstLine(b)));

/** One module per block, or per chain of continued blocks; each line remembers where in which doc it came from. */
interface Unit {
  path: string;
  text: string;
  origin: Array<{ doc: string; line: number }>;
  blocks: Block[];
}

function compiledUnits(): Unit[] {
  const units: Unit[] = [];
  for (const b of code) {
    if (fragments.includes(b)) continue;
    const lines = b.body.split('\n');
    const origin = lines.map((_, k) => ({ doc: b.doc, line: b.line + 1 + k }));
    const previous = units.at(-1);
    if (CONTINUES.test(firstLine(b))) {
      if (!previous || previous.blocks[0]!.doc !== b.doc) throw new Error(`${where(b)}: "continues the example above", but no ts/js block comes before it in ${b.doc}`);
      previous.text += '\n' + b.body;
      previous.origin.push(...origin);
      previous.blocks.push(b);
      continue;
    }
    const ext = b.lang.startsWith('t') ? 'ts' : 'js';
    const path = resolve(packageRoot, `doc-snippets/${b.doc.replace(/[/.]/g, '_')}_L${b.line}.${ext}`);
    units.push({ path, text: b.body, origin, blocks: [b] });
  }
  return units;
}

/** A diagnostic as `doc:line` of the markdown (and the snippet's own text). */
function located(units: Unit[], d: ts.Diagnostic): string {
  const unit = d.file && units.find((u) => u.path === resolve(d.file!.fileName));
  if (!unit || d.start === undefined) return formatDiagnostic(d);
  const line = d.file!.getLineAndCharacterOfPosition(d.start).line;
  const at = unit.origin[line]!;
  return `${at.doc}:${at.line} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}\n    ${unit.text.split('\n')[line]!.trim()}`;
}

describe('code blocks in README.md and docs/', () => {
  it('every block names its language, and one the checks know', () => {
    const known = new Set([...CODE, ...SHELL, ...JSON_LANGS, ...TEXT, ...GHERKIN]);
    const unknown = blocks.filter((b) => !known.has(b.lang)).map((b) => `${where(b)}: \`\`\`${b.lang || '(no language)'}`);
    expect(unknown, 'tag it ```ts/```js (type-checked), ```sh (syntax, scripts, paths), ```json (parsed), ```gherkin (compiled by loadnet run --dry-run) or ```text (not checked)').toEqual([]);
    expect(code.length).toBeGreaterThan(0);
  });

  it('fragments are few, say why they cannot stand alone, and parse', () => {
    // An exception, not a habit: a block that can be a complete module (imports and all) should be one.
    expect(fragments.map(where).length, `fragments: ${fragments.map(where).join(', ')}`).toBeLessThanOrEqual(3);
    for (const b of fragments) {
      expect(FRAGMENT.exec(firstLine(b))![1]!.trim().length, `${where(b)}: "// fragment:" needs a reason`).toBeGreaterThan(10);
      const syntax = ts.transpileModule(b.body, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } }).diagnostics ?? [];
      expect(syntax.map((d) => `${where(b)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)).toEqual([]);
    }
  });

  const units = compiledUnits();
  const examples = readdirSync(resolve(packageRoot, 'examples')).filter((f) => f.endsWith('.ts')).map((f) => resolve(packageRoot, 'examples', f));
  let compiled: PackageCompile | undefined;
  /** One program for every block and example (compiled on first use). */
  const compile = (): PackageCompile => {
    compiled ??= compileAgainstPackage(new Map([...units.map((u) => [u.path, u.text] as const), ...examples.map((f) => [f, readFileSync(f, 'utf8')] as const)]));
    return compiled;
  };
  /** Diagnostics in these files, plus those without a file or in the package's own declarations (dist/). */
  const diagnosticsOf = (paths: string[]) => compile().diagnostics.filter((d) => d.file === undefined || paths.includes(resolve(d.file.fileName)) || resolve(d.file.fileName).startsWith(resolve(packageRoot, 'dist') + '/'));

  it('ts/js blocks type-check against the published package (one program for all)', () => {
    expect(resolvedPath(resolve(packageRoot, 'doc-snippets/x.ts'), 'loadnet')).toBe(resolve(packageRoot, 'dist/src/index.d.ts'));
    const inSrc = compile().program.getSourceFiles().filter((f) => f.fileName.startsWith(resolve(packageRoot, 'src') + '/'));
    expect(inSrc.map((f) => f.fileName)).toEqual([]);
    expect(diagnosticsOf(units.map((u) => u.path)).map((d) => located(units, d))).toEqual([]);
  });

  it('examples/ type-check against the published package', () => {
    expect(examples.length).toBeGreaterThan(0);
    expect(diagnosticsOf(examples).map(formatDiagnostic)).toEqual([]);
  });

  it("every value the blocks import exists at run time (Node's own resolution of the package)", () => {
    assertBuilt();
    const wanted = new Map<string, Set<string>>();
    for (const u of units) {
      const file = ts.createSourceFile(u.path, u.text, ts.ScriptTarget.ES2022, true);
      for (const s of file.statements) {
        if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier) || s.importClause?.isTypeOnly) continue;
        const spec = s.moduleSpecifier.text;
        if (!spec.startsWith('loadnet')) continue;
        const names = wanted.get(spec) ?? new Set<string>();
        wanted.set(spec, names);
        const bindings = s.importClause?.namedBindings;
        if (bindings && ts.isNamedImports(bindings)) for (const e of bindings.elements) if (!e.isTypeOnly) names.add((e.propertyName ?? e.name).text);
      }
    }
    expect(wanted.size).toBeGreaterThan(0);
    // One process for every specifier; it prints what is missing (or the import error) per specifier.
    const script = `const wanted = ${JSON.stringify(Object.fromEntries([...wanted].map(([k, v]) => [k, [...v]])))};
      const out = {};
      for (const [spec, names] of Object.entries(wanted)) {
        try { const m = await import(spec); out[spec] = names.filter((n) => m[n] === undefined).map((n) => 'missing export ' + n); }
        catch (e) { out[spec] = [String(e.code ?? e.message)]; }
      }
      console.log(JSON.stringify(out));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageRoot, encoding: 'utf8' })) as Record<string, string[]>;
    expect(out).toEqual(Object.fromEntries([...wanted.keys()].map((k) => [k, []])));
  });

  it('sh blocks: bash syntax, npm scripts that exist, repository paths that exist', () => {
    const scripts = Object.keys((JSON.parse(readFileSync(resolve(packageRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const problems: string[] = [];
    for (const b of blocks.filter((x) => SHELL.has(x.lang))) {
      try {
        execFileSync('bash', ['-n'], { input: b.body, stdio: ['pipe', 'pipe', 'pipe'] });
      } catch (e) {
        problems.push(`${where(b)}: bash -n: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`);
      }
      for (const [, name] of b.body.matchAll(/\bnpm run ([\w:.-]+)/g)) if (!scripts.includes(name!)) problems.push(`${where(b)}: npm run ${name}: no such script in package.json`);
      for (const [path] of b.body.matchAll(/(?<![\w/.-])(?:examples|bench|scripts|test|docs|src)\/[\w./-]*\w/g)) {
        if (!existsSync(resolve(packageRoot, path))) problems.push(`${where(b)}: ${path} does not exist`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('json blocks parse', () => {
    const problems: string[] = [];
    for (const b of blocks.filter((x) => JSON_LANGS.has(x.lang))) {
      try {
        JSON.parse(b.body);
      } catch (e) {
        problems.push(`${where(b)}: ${(e as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gherkin blocks compile with loadnet\'s steps (loadnet run --dry-run)', () => {
    const problems: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'loadnet-doc-features-'));
    try {
      for (const b of blocks.filter((x) => GHERKIN.has(x.lang))) {
        const file = join(dir, `block-${b.line}.feature`);
        writeFileSync(file, b.body);
        try {
          execFileSync(process.execPath, [resolve(packageRoot, 'dist/src/cli/main.js'), 'run', file, '--dry-run'], { cwd: packageRoot, encoding: 'utf8', stdio: 'pipe' });
        } catch (e) {
          problems.push(`${where(b)}: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
  });
});
