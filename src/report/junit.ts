/**
 * junit.xml: one testsuite per run, one testcase per expectation, so CI systems show each verdict.
 * fail → <failure>, unknown (the checker could not decide) → <error>; figures go to <system-out>.
 */
import type { RunSummary } from '../runtime/contracts.js';

/** XML 1.0 text: escape markup and drop characters XML cannot carry. */
export function xmlText(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export function renderJunit(summary: RunSummary): string {
  const list = summary.expectations ?? [];
  const failures = list.filter((e) => e.status === 'fail').length;
  const errors = list.filter((e) => e.status === 'unknown').length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const total = Math.max(0, Date.parse(summary.endedAt) - Date.parse(summary.startedAt)) || 0;
  const suite = xmlText(summary.scenario);
  const cases = list.map((e) => {
    const head = `    <testcase classname="loadnet.${suite}" name="${xmlText(e.name)}" time="${seconds(e.durationMs)}">`;
    const body: string[] = [];
    if (e.status === 'fail') body.push(`      <failure message="${xmlText(e.message)}" type="expectation">${xmlText(e.message)}</failure>`);
    if (e.status === 'unknown') body.push(`      <error message="${xmlText(e.message)}" type="unknown">${xmlText(e.message)}</error>`);
    if (e.figures) body.push(`      <system-out>${xmlText(JSON.stringify(e.figures))}</system-out>`);
    return [head, ...body, '    </testcase>'].join('\n');
  });
  if (summary.interrupted) cases.push(`    <testcase classname="loadnet.${suite}" name="run" time="${seconds(total)}">\n      <error message="the run was interrupted" type="interrupted"/>\n    </testcase>`);
  const tests = cases.length;
  const errs = errors + (summary.interrupted ? 1 : 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="loadnet" tests="${tests}" failures="${failures}" errors="${errs}" time="${seconds(total)}">`,
    `  <testsuite name="${suite}" tests="${tests}" failures="${failures}" errors="${errs}" skipped="0" time="${seconds(total)}" timestamp="${xmlText(summary.startedAt)}">`,
    `    <properties><property name="runDir" value="${xmlText(summary.runDir)}"/><property name="verdict" value="${xmlText(summary.verdict)}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
