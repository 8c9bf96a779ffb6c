/**
 * Exit codes are part of the CLI contract (see docs/commands.md, "Exit codes"):
 * 0 success, 1 a check rejected the change or a task failed, 2 usage or configuration error,
 * 3 a dependency could not be reached in time.
 */
export const ExitCode = {
  Success: 0,
  Rejected: 1,
  Config: 2,
  Unreachable: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const SEVERITY: Record<number, number> = { [ExitCode.Config]: 3, [ExitCode.Unreachable]: 2, [ExitCode.Rejected]: 1, [ExitCode.Success]: 0 };

/**
 * The code to end with when several parts ended with these codes: a configuration error first (the
 * user must fix it), then unreachable, then rejected. Any other non-zero code counts as rejected.
 */
export function worstExitCode(codes: Iterable<number>): ExitCode {
  let worst: ExitCode = ExitCode.Success;
  for (const code of codes) {
    const known: ExitCode = code in SEVERITY ? (code as ExitCode) : ExitCode.Rejected;
    if (SEVERITY[known]! > SEVERITY[worst]!) worst = known;
  }
  return worst;
}

/**
 * `synchook plan --detailed-exitcode`: the plan succeeded and has changes (docs/review.md).
 * Not 2 (terraform's choice, synchook's configuration error), nor a code Node.js itself exits
 * with (1, 3-7, 9, 10, 12-14; nodejs.org/api/process.html "Exit codes"), nor a shell's (124 from
 * timeout, 126, 127) or a signal's (128 + n).
 */
export const PLAN_HAS_CHANGES_EXIT_CODE = 11;

/** Base of every error synchook expects; its message is one sentence a user can act on. */
export class SynchookError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** The configuration or an input file is wrong: exit 2, nothing was touched. */
export class ConfigError extends SynchookError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Config, options);
  }
}

/** A dependency (Kafka, the registry, GitHub, terraform) could not be reached in time: exit 3. */
export class UnreachableError extends SynchookError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Unreachable, options);
  }
}

/** A task failed doing its job, or a check rejected the change: exit 1. */
export class TaskFailedError extends SynchookError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Rejected, options);
  }
}

/** Work was stopped by SIGTERM/SIGINT or a deadline. */
export class AbortedError extends SynchookError {
  readonly reason: string;
  constructor(reason: string, exitCode: ExitCode = ExitCode.Rejected) {
    super(reason, exitCode);
    this.reason = reason;
  }
}

export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof SynchookError ? error.exitCode : ExitCode.Rejected;
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
