/**
 * Parameter types of the step patterns (Cucumber Expressions): the built-in {int}, {float}, {string}, {word},
 * plus loadnet's {duration} ('90s', '1m30s', '500ms'), {percent} ('95%' or a fraction such as 0.95) and the
 * two words of a summary comparison, {figure} and {value}, which the step itself checks against the figure list
 * so a misspelt figure gets a "did you mean" instead of "unknown step".
 */
import { ParameterType, ParameterTypeRegistry } from '@cucumber/cucumber-expressions';
import { parseDuration } from '../util/duration.js';

/** A value a step could not take: the step reports it with its file:line and what is allowed. */
export class StepValueError extends Error {
  constructor(
    readonly value: string,
    readonly allowed: string,
    /** A known value close to the one written. */
    readonly near?: string,
  ) {
    super(`${JSON.stringify(value)} is not allowed${near ? ` (did you mean '${near}'?)` : ''}; allowed: ${allowed}`);
  }
}

/** Milliseconds of a duration as written in a step. */
export function durationMs(text: string): number {
  try {
    return parseDuration(text, 'duration');
  } catch {
    throw new StepValueError(text, "a duration with units ms, s, m, h such as '500ms', '90s', '1m30s'");
  }
}

/** '95%' → 0.95, '0.95' → 0.95. Ranges are the DSL's to check. */
export function fraction(text: string): number {
  const t = text.trim();
  const pct = t.endsWith('%');
  const x = Number(pct ? t.slice(0, -1) : t);
  if (t === '' || t === '%' || !Number.isFinite(x)) throw new StepValueError(text, "a percentage such as '95%' or a fraction such as 0.95");
  return pct ? x / 100 : x;
}

export function parameterRegistry(): ParameterTypeRegistry {
  const registry = new ParameterTypeRegistry();
  // Transformers keep the text: a bad value is reported by the step (with its location), not by the matcher.
  registry.defineParameterType(new ParameterType('duration', /\d+(?:\.\d+)?(?:ms|s|m|h)(?:\d+(?:\.\d+)?(?:ms|s|m|h))*/, String, (s: string) => s, true, false));
  registry.defineParameterType(new ParameterType('percent', /-?\d+(?:\.\d+)?%|-?\d*\.\d+|-?\d+/, String, (s: string) => s, true, false));
  registry.defineParameterType(new ParameterType('figure', /[A-Za-z][A-Za-z0-9 -]*?/, String, (s: string) => s, false, false));
  registry.defineParameterType(new ParameterType('value', /\S+(?: tx\/s)?/, String, (s: string) => s, false, false));
  return registry;
}
