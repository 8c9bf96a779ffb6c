import type { Phase, PlannedChange, TaskOutcome, TaskPlan, TaskStatus, Violation } from '../tasks/types.js';
import type { ExitCode } from '../errors.js';
import type { ApplyResult } from '../tasks/apply-ledger.js';

/** One dependency `synchook doctor` checked (Kafka, the registry, GitHub) and what it found. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** Lines of what was found, or of what went wrong. */
  lines: string[];
  exitCode: number;
  facts?: Record<string, unknown>;
}

/** How one task ended in one run. */
export interface TaskResult {
  task: string;
  phase: Phase;
  status: TaskStatus;
  /** One short line: the task's figures, or why it failed. */
  summary: string;
  durationMs: number;
  exitCode: ExitCode | number;
  plan?: TaskPlan;
  outcome?: TaskOutcome;
  changes: PlannedChange[];
  violations: Violation[];
  warnings: string[];
  /** The error that ended the task, for status "error". */
  error?: string;
  /** For an apply that did not finish: which planned changes the broker or registry confirmed. */
  applied?: ApplyResult;
}

export type RunMode = 'presync' | 'postsync' | 'plan' | 'run';

export interface RunSummary {
  mode: RunMode;
  environment: string;
  exitCode: number;
  startedAt: number;
  durationMs: number;
  results: TaskResult[];
  /** Set when a signal or the global deadline stopped the run: "terminated by SIGTERM after 41 s". */
  interrupted?: string;
  dryRun: boolean;
}

/**
 * Receives the run's progress. The runner awaits each call within bounds; a reporter must not
 * throw (reporting never breaks the deploy by accident) unless it was configured as required.
 */
export interface Reporter {
  runStarted?(run: { mode: RunMode; tasks: Array<{ task: string; phase: Phase }> }): Promise<void>;
  taskStarted?(task: { task: string; phase: Phase }): Promise<void>;
  taskFinished?(result: TaskResult): Promise<void>;
  runFinished?(summary: RunSummary): Promise<void>;
}
