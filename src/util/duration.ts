import { LoadnetError } from '../errors.js';

/** A duration as users write it: milliseconds, or a string such as '250ms', '90s', '5m', '1h', '1m30s'. */
export type DurationInput = number | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parse a duration into milliseconds; `field` names it in the error. Throws LN_ERR_SCENARIO_INVALID. */
export function parseDuration(input: DurationInput, field = 'duration'): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) {
      throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${field}: ${JSON.stringify(input)} is not a duration; allowed: a non-negative number of milliseconds or a string such as '90s', '5m'`, {
        issues: [{ field, value: input, allowed: "a non-negative number of milliseconds or a string such as '90s', '5m'" }],
      });
    }
    return input;
  }
  const s = String(input).trim();
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (s.length === 0 || matched !== s.length) {
    if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
    throw new LoadnetError('LN_ERR_SCENARIO_INVALID', `${field}: ${JSON.stringify(input)} is not a duration; allowed: milliseconds or a string with units ms, s, m, h such as '90s', '5m', '1m30s'`, {
      issues: [{ field, value: input, allowed: "milliseconds or a string with units ms, s, m, h such as '90s', '5m', '1m30s'" }],
    });
  }
  return total;
}

/** Format milliseconds for humans: 1500 → '1.5s', 90000 → '1m30s'. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(2)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s === 0 ? `${m}m` : `${m}m${s}s`;
}
