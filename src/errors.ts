/**
 * Every error loadnet raises on purpose has a stable code, a message that names what is wrong and what is
 * allowed, and optionally a hint. Callers branch on `code` (it survives structured clone across workers;
 * a class does not). The CLI maps codes to exit codes and prints message + hint without a stack.
 */
export type LoadnetErrorCode =
  | 'LN_ERR_SCENARIO_INVALID' // a scenario field is wrong (user input)
  | 'LN_ERR_USAGE' // bad command-line usage
  | 'LN_ERR_CONFIG_INVALID' // a node or deployer config is wrong
  | 'LN_ERR_DEPLOY' // nodes could not be brought up
  | 'LN_ERR_READINESS' // nodes came up but did not become ready in time
  | 'LN_ERR_NODE_CONTROL' // a node control action failed or is unavailable
  | 'LN_ERR_NODE_API' // a node answered with an error or not at all
  | 'LN_ERR_CODEC' // bytes or JSON that do not decode
  | 'LN_ERR_WORKLOAD' // a workload failed
  | 'LN_ERR_EXPECTATION' // an expectation could not be evaluated
  | 'LN_ERR_DOCKER' // the Docker engine is missing or failed
  | 'LN_ERR_INTERRUPTED' // SIGINT/SIGTERM during a run
  | 'LN_ERR_STORAGE' // a node's data dir is damaged in a way it will not repair silently
  | 'LN_ERR_EXPECTATIONS_FAILED' // a run's verdict was not 'pass' (ExpectationsFailedError)
  | 'LN_ERR_INTERNAL';

export interface LoadnetErrorOptions {
  hint?: string;
  cause?: unknown;
  /** For validation: every problem found, not just the first. */
  issues?: ValidationIssue[];
}

export interface ValidationIssue {
  /** Dotted path of the field, e.g. `transactions.users`. */
  field: string;
  /** The value received, JSON-serialisable. */
  value: unknown;
  /** What is allowed, in the user's words. */
  allowed: string;
}

export class LoadnetError extends Error {
  readonly code: LoadnetErrorCode;
  readonly hint?: string;
  readonly issues?: ValidationIssue[];

  constructor(code: LoadnetErrorCode, message: string, options: LoadnetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LoadnetError';
    this.code = code;
    this.hint = options.hint;
    this.issues = options.issues;
  }
}

export function isLoadnetError(e: unknown): e is LoadnetError {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' && String((e as { code: string }).code).startsWith('LN_ERR_');
}

/** Exit codes of the CLI: 0 every expectation passed, 1 one failed, 2 usage or scenario error, 3 deploy/infra, 130 interrupted. */
export const ExitCode = {
  ok: 0,
  expectationsFailed: 1,
  usage: 2,
  infrastructure: 3,
  interrupted: 130,
} as const;

export function exitCodeFor(e: unknown): number {
  if (!isLoadnetError(e)) return ExitCode.infrastructure;
  switch (e.code) {
    case 'LN_ERR_SCENARIO_INVALID':
    case 'LN_ERR_USAGE':
    case 'LN_ERR_CONFIG_INVALID':
      return ExitCode.usage;
    case 'LN_ERR_INTERRUPTED':
      return ExitCode.interrupted;
    case 'LN_ERR_EXPECTATIONS_FAILED':
      return ExitCode.expectationsFailed;
    default:
      return ExitCode.infrastructure;
  }
}
