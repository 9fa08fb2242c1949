/**
 * The JUnit file of a feature run: a testsuite per feature file, a testcase per scenario (Examples rows
 * included), failure messages naming the step and its numbers, run directories in <system-out>. Each run
 * directory keeps its own junit.xml with a testcase per expectation.
 */
import { xmlText } from '../report/junit.js';
import type { FeatureScenarioResult } from './run-features.js';

export function renderFeatureJunit(results: readonly FeatureScenarioResult[], started: Date): string {
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const byFeature = new Map<string, FeatureScenarioResult[]>();
  for (const r of results) {
    const uri = r.at.replace(/:\d+$/, '');
    byFeature.set(uri, [...(byFeature.get(uri) ?? []), r]);
  }
  const count = (list: readonly FeatureScenarioResult[], ...st: string[]) => list.filter((r) => st.includes(r.status)).length;
  const suites = [...byFeature.entries()].map(([uri, list]) => {
    const cases = list.map((r) => {
      const head = `    <testcase classname="${xmlText(`${r.feature} (${uri})`)}" name="${xmlText(r.scenario)}" time="${seconds(r.durationMs)}">`;
      const body: string[] = [];
      const message = r.failures.join('\n');
      if (r.status === 'failed') body.push(`      <failure message="${xmlText(r.failures[0] ?? 'failed')}" type="scenario">${xmlText(message)}</failure>`);
      if (r.status === 'error' || r.status === 'interrupted') body.push(`      <error message="${xmlText(r.failures[0] ?? r.status)}" type="${r.status}">${xmlText(message)}</error>`);
      const out = [`at ${r.at} on ${r.deployer}`, ...r.steps.map((s) => `${s.ok ? 'ok  ' : 'FAIL'} ${s.step}`), ...r.runDirs.map((d) => `run directory: ${d}`)];
      body.push(`      <system-out>${xmlText(out.join('\n'))}</system-out>`);
      return [head, ...body, '    </testcase>'].join('\n');
    });
    const time = list.reduce((t, r) => t + r.durationMs, 0);
    return [`  <testsuite name="${xmlText(uri)}" tests="${list.length}" failures="${count(list, 'failed')}" errors="${count(list, 'error', 'interrupted')}" skipped="0" time="${seconds(time)}" timestamp="${started.toISOString()}">`, ...cases, '  </testsuite>'].join('\n');
  });
  const total = results.reduce((t, r) => t + r.durationMs, 0);
  return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="loadnet features" tests="${results.length}" failures="${count(results, 'failed')}" errors="${count(results, 'error', 'interrupted')}" time="${seconds(total)}">`, ...suites, '</testsuites>', ''].join('\n');
}
