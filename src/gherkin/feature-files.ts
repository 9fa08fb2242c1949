/**
 * Feature files → pickles (the official Gherkin parser and compiler: Background steps prepended, each Examples
 * row of a Scenario Outline its own scenario, tags inherited from feature, rule, scenario and examples), with
 * the line and keyword of every step and scenario for messages. A path is a .feature file or a directory,
 * searched recursively.
 */
import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { AstBuilder, GherkinClassicTokenMatcher, Parser, compile } from '@cucumber/gherkin';
import { IdGenerator, type GherkinDocument, type Pickle } from '@cucumber/messages';
import { LoadnetError } from '../errors.js';
import { featureFilesIn } from './target.js';

export interface AstInfo {
  line: number;
  keyword: string;
}

export interface ParsedFeature {
  uri: string;
  name: string;
  pickles: readonly Pickle[];
  /** Step, scenario and example-row lines by AST node id. */
  ast: Map<string, AstInfo>;
}

export function parseFeatureFiles(target: string, cwd = process.cwd()): ParsedFeature[] {
  let files: string[];
  try {
    files = statSync(target).isDirectory() ? featureFilesIn(target) : [target];
  } catch {
    throw new LoadnetError('LN_ERR_USAGE', `loadnet run: no such feature file or directory: ${target}`, { hint: 'pass a .feature file or a directory holding .feature files' });
  }
  const problems: string[] = [];
  const parsed: ParsedFeature[] = [];
  for (const file of files) {
    const rel = relative(cwd, file);
    const uri = rel === '' || rel.startsWith('..') ? file : rel;
    try {
      parsed.push(parseFeature(readFileSync(file, 'utf8'), uri));
    } catch (e) {
      problems.push(...parseProblems(e, uri));
    }
  }
  if (problems.length > 0) {
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `feature files do not parse (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      hint: 'Gherkin: Feature, Background, Scenario / Scenario Outline with Examples, steps starting with Given, When, Then, And or But',
    });
  }
  return parsed;
}

export function parseFeature(text: string, uri: string): ParsedFeature {
  const newId = IdGenerator.incrementing();
  const parser = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher());
  const doc = parser.parse(text);
  const pickles = compile(doc, uri, newId);
  return { uri, name: doc.feature?.name ?? uri, pickles, ast: astLines(doc) };
}

function parseProblems(e: unknown, uri: string): string[] {
  const errors = (e as { errors?: Array<{ message: string }> }).errors;
  const list = Array.isArray(errors) && errors.length > 0 ? errors : [e as { message: string }];
  // The parser's messages start with "(line:column): ".
  return list.map((x) => {
    const m = /^\((\d+):(\d+)\): (.*)$/s.exec(x.message ?? String(x));
    return m ? `${uri}:${m[1]}:${m[2]}: ${m[3]}` : `${uri}: ${x.message ?? String(x)}`;
  });
}

function astLines(doc: GherkinDocument): Map<string, AstInfo> {
  const map = new Map<string, AstInfo>();
  type Child = { background?: { steps: Array<{ id: string; keyword: string; location: { line: number } }> }; scenario?: { id: string; keyword: string; location: { line: number }; steps: Array<{ id: string; keyword: string; location: { line: number } }>; examples: Array<{ tableBody: Array<{ id: string; location: { line: number } }> }> }; rule?: { children: Child[] } };
  const visit = (children: readonly Child[]) => {
    for (const c of children) {
      for (const s of c.background?.steps ?? []) map.set(s.id, { line: s.location.line, keyword: s.keyword });
      if (c.scenario) {
        map.set(c.scenario.id, { line: c.scenario.location.line, keyword: c.scenario.keyword });
        for (const s of c.scenario.steps) map.set(s.id, { line: s.location.line, keyword: s.keyword });
        for (const ex of c.scenario.examples) for (const row of ex.tableBody) map.set(row.id, { line: row.location.line, keyword: '|' });
      }
      if (c.rule) visit(c.rule.children);
    }
  };
  visit((doc.feature?.children ?? []) as unknown as Child[]);
  return map;
}
