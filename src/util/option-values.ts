/**
 * Command-line values that start with '-': `--duration -5s` makes node:util parseArgs stop with "argument is
 * ambiguous". Joined as `--duration=-5s` (unless the next argument is an option itself), the value reaches
 * the command's own check, which can say what is wrong with it and what is allowed.
 */
export type OptionSpecs = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** `argv` with each string option followed by a dash-led value written as `--name=value`. */
export function joinDashValues(argv: readonly string[], options: OptionSpecs): { args: string[]; missing?: { option: string; next: string } } {
  const args = [...argv];
  const nameOf = (arg: string): string | undefined => {
    if (/^--[^=]+$/.test(arg)) return arg.slice(2) in options ? arg.slice(2) : undefined;
    if (/^-[^-]$/.test(arg)) return Object.keys(options).find((k) => options[k]!.short === arg[1]);
    return undefined;
  };
  for (let i = 0; i < args.length - 1; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    const name = nameOf(arg);
    const next = args[i + 1]!;
    if (name === undefined || options[name]!.type !== 'string' || !next.startsWith('-') || next === '-') continue;
    if (nameOf(next.split('=')[0]!) !== undefined) return { args, missing: { option: arg, next } };
    args.splice(i, 2, `--${name}=${next}`);
  }
  return { args };
}
