/**
 * Strict readers for scenario input (the DSL's draft or a user's JSON). Each reader checks one field, fills its
 * default when absent, and records a ValidationIssue naming the field, the value and what is allowed instead of
 * throwing, so `build()` can report every problem at once. Unknown keys are issues too (typos never pass silently,
 * as in k6's strict JSON).
 */
import type { ValidationIssue } from '../errors.js';
import { parseDuration, type DurationInput } from '../util/duration.js';
import { isLoadnetError } from '../errors.js';

export class Issues {
  readonly list: ValidationIssue[] = [];

  add(field: string, value: unknown, allowed: string): void {
    this.list.push({ field, value: jsonSafe(value), allowed });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
}

/** Values in issues must stay JSON-serialisable (functions, NaN, Infinity are shown as strings). */
function jsonSafe(v: unknown): unknown {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'function') return `[function ${(v as { name?: string }).name ?? ''}]`;
  if (typeof v === 'bigint') return `${v}n`;
  try {
    JSON.stringify(v);
    return v;
  } catch {
    return String(v);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads an object field: undefined stays undefined (caller uses defaults); a non-object is an issue; unknown keys
 * are issues that suggest the closest known key.
 */
export function readObject(v: unknown, field: string, known: readonly string[], issues: Issues): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  if (!isPlainObject(v)) {
    issues.add(field, v, `an object with keys ${known.join(', ')}`);
    return undefined;
  }
  for (const key of Object.keys(v)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    issues.add(join(field, key), v[key], `no such key${near ? ` (did you mean '${near}'?)` : ''}; known keys: ${known.join(', ')}`);
  }
  return v;
}

export function join(field: string, key: string): string {
  return field === '' ? key : `${field}.${key}`;
}

interface NumberRule {
  min?: number;
  /** min is exclusive (value must be greater). */
  minExclusive?: boolean;
  max?: number;
  integer?: boolean;
  allowed: string;
}

/** A number within the rule; `fallback` when absent. Returns the fallback (or NaN) after an issue. */
export function readNumber(v: unknown, field: string, rule: NumberRule, issues: Issues, fallback?: number): number {
  if (v === undefined) {
    if (fallback === undefined) {
      issues.add(field, v, `${rule.allowed} (required)`);
      return Number.NaN;
    }
    return fallback;
  }
  const bad =
    typeof v !== 'number' ||
    !Number.isFinite(v) ||
    (rule.integer === true && !Number.isSafeInteger(v)) ||
    (rule.min !== undefined && (rule.minExclusive ? v <= rule.min : v < rule.min)) ||
    (rule.max !== undefined && v > rule.max);
  if (bad) {
    issues.add(field, v, rule.allowed);
    return fallback ?? Number.NaN;
  }
  return v;
}

/** A duration (ms or '90s'-style string) as ms, within [min, max] ms. */
export function readDuration(v: unknown, field: string, rule: { min: number; max?: number; allowed: string }, issues: Issues, fallback?: number): number {
  if (v === undefined) {
    if (fallback === undefined) issues.add(field, v, `${rule.allowed} (required)`);
    return fallback ?? Number.NaN;
  }
  if (typeof v !== 'number' && typeof v !== 'string') {
    issues.add(field, v, rule.allowed);
    return fallback ?? Number.NaN;
  }
  let ms: number;
  try {
    ms = parseDuration(v as DurationInput, field);
  } catch (e) {
    if (!isLoadnetError(e)) throw e;
    issues.add(field, v, rule.allowed);
    return fallback ?? Number.NaN;
  }
  if (ms < rule.min || (rule.max !== undefined && ms > rule.max)) {
    issues.add(field, v, rule.allowed);
    return fallback ?? Number.NaN;
  }
  return ms;
}

export function readBoolean(v: unknown, field: string, issues: Issues, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') {
    issues.add(field, v, 'true or false');
    return fallback;
  }
  return v;
}

export function readEnum<T extends string>(v: unknown, field: string, values: readonly T[], issues: Issues, fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    const near = typeof v === 'string' ? closest(v, values) : undefined;
    issues.add(field, v, `one of ${values.map((x) => `'${x}'`).join(', ')}${near ? ` (did you mean '${near}'?)` : ''}`);
    return fallback;
  }
  return v as T;
}

export function readString(v: unknown, field: string, rule: { pattern: RegExp; allowed: string }, issues: Issues, fallback?: string): string {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !rule.pattern.test(v)) {
    issues.add(field, v, rule.allowed);
    return fallback ?? '';
  }
  return v;
}

export function readArray(v: unknown, field: string, allowed: string, issues: Issues): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    issues.add(field, v, allowed);
    return [];
  }
  return v;
}

/** True when `v` survives JSON unchanged in shape (plain objects, arrays, finite numbers, strings, booleans, null). */
export function isJsonValue(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJsonValue);
  if (isPlainObject(v)) {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(v).every((x) => x === undefined || isJsonValue(x));
  }
  return false;
}

/** The known word nearest to `word` within an edit distance of 2, for "did you mean" hints. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = k;
    }
  }
  return best;
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
