import type { Logger } from '../log.js';

/** What every command gets from the CLI: parsed global options and the process edges. */
export interface CommandContext {
  configPath: string;
  log: Logger;
  /** Aborted on SIGTERM/SIGINT with an AbortedError naming the signal. */
  signal: AbortSignal;
  /** --timeout in milliseconds, when given. */
  timeoutMs?: number;
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  /** When the run's deadline is known: the exit waits for stdout to drain until then. */
  outputDeadline?: (at: number) => void;
}
