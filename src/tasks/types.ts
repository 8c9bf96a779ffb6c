import type { z } from 'zod';
import type { Logger } from '../log.js';
import type { Clients } from '../clients/index.js';
import type { CoreConfig } from '../config/schema.js';
import type { TopicDeclarationSource } from './shared/topic-declarations/schema.js';

export type Phase = 'presync' | 'postsync';

/**
 * What a task sees of the config: the core sections, and where topics and connectors are declared,
 * which the PostSync checks read too (health's fromTopicsSection, connect-health). A task's own section comes as the `section` argument.
 */
type TaskConfig = CoreConfig & { topics?: TopicDeclarationSource; connectors?: { files?: string[] } };

/** One change a task would make (plan) or made (apply). */
export interface PlannedChange {
  action: 'create' | 'update' | 'delete';
  /** What is changed, e.g. "topic orders.v1", "subject orders-value", "acl User:app WRITE topic orders". */
  resource: string;
  /** One line: "partitions 3 → 6", "retention.ms 604800000 → 86400000". */
  detail?: string;
  /** Further lines shown under the change in the diff (config keys, an ACL expansion). */
  lines?: string[];
}

/** Something that stops the whole PreSync: nothing is applied when any plan holds one. */
export interface Violation {
  resource: string;
  /** One sentence with the fix: "partitions 12 → 6 is a decrease; Kafka cannot remove partitions. ..." */
  message: string;
  /** The rule that fired, where there is one ("partition-decrease", "forbid-delete"). */
  rule?: string;
  /** The file the resource was declared in, when known. */
  file?: string;
}

export interface TaskPlan<State = unknown> {
  task: string;
  changes: PlannedChange[];
  violations: Violation[];
  warnings: string[];
  /** Counts for summaries and statuses, e.g. { create: 3, update: 1 }. */
  figures?: Record<string, number>;
  /** Task-private data the apply step needs; never printed. */
  state?: State;
}

export type TaskStatus = 'success' | 'failure' | 'error' | 'skipped';

/** What a task ends with; the runner turns it into the summary line and the commit status. */
export interface TaskOutcome {
  /** One short line of the task's figures: "3 topics created, 1 config changed". */
  summary: string;
  figures?: Record<string, number | string>;
  changes?: PlannedChange[];
  violations?: Violation[];
  warnings?: string[];
  /** Longer human-readable report (tables of latencies, lag) printed after the run. */
  details?: string[];
}

export interface Deadline {
  /** Epoch milliseconds at which the task must have ended. */
  at: number;
  remaining(): number;
}

export interface TaskContext {
  config: TaskConfig;
  /** Folder of the config file; every file the config names is relative to it. */
  configDir: string;
  log: Logger;
  /** Aborted on SIGTERM/SIGINT or when the task's deadline passes. */
  signal: AbortSignal;
  deadline: Deadline;
  clients: Clients;
  /** Where a long step says how far it got (batches done of total); shown in the progress log lines. */
  progress?: (update: TaskProgress) => void;
  /** Where an apply records each planned change the broker or registry confirmed (set for apply only). */
  applied?: ApplyRecorder;
}

export interface TaskProgress {
  done: number;
  total: number;
  /** What is counted: "topics", "batches". */
  unit: string;
}

interface TaskBase<Section extends z.ZodObject> {
  name: string;
  phase: Phase;
  /** The top-level key of this task's section in synchook.yaml; the task runs when it is present. */
  configKey: string;
  configSchema: Section;
  description: string;
  /** Offline checks for `synchook validate` (files parse, specs are sane); no network. */
  validate?(ctx: OfflineContext, section: z.output<Section>): Promise<ValidationReport>;
}

export interface OfflineContext {
  config: TaskConfig;
  configDir: string;
  log: Logger;
  /** `synchook validate --against <dir|git ref>`: a baseline to compare files with, where a task supports it. */
  against?: string;
}

export interface ValidationReport {
  /** Lines describing what was checked: "12 topics in 3 files". */
  checked: string[];
  violations: Violation[];
  warnings: string[];
}

/** A PreSync task: plan (read-only) for every task first, then apply each plan. */
export interface PlanApplyTask<Section extends z.ZodObject = z.ZodObject, State = unknown> extends TaskBase<Section> {
  phase: 'presync';
  plan(ctx: TaskContext, section: z.output<Section>): Promise<TaskPlan<State>>;
  apply(ctx: TaskContext, section: z.output<Section>, plan: TaskPlan<State>): Promise<TaskOutcome>;
  /** Summary for a plan with no violations that will not be applied (plan command, dry run). */
  describePlan?(plan: TaskPlan<State>): string;
}

/** A PostSync check: runs once; violations in its outcome fail the sync. */
export interface CheckTask<Section extends z.ZodObject = z.ZodObject> extends TaskBase<Section> {
  phase: 'postsync';
  run(ctx: TaskContext, section: z.output<Section>): Promise<TaskOutcome>;
}

export type TaskDefinition = PlanApplyTask<any, any> | CheckTask<any>;

export function definePlanApplyTask<Section extends z.ZodObject, State>(task: PlanApplyTask<Section, State>): PlanApplyTask<Section, State> {
  return task;
}

export function defineCheckTask<Section extends z.ZodObject>(task: CheckTask<Section>): CheckTask<Section> {
  return task;
}

/**
 * Where a task records its apply as it goes, by the planned change's resource ("topic orders.v1").
 * A change counts as applied only once the broker or registry confirmed all of it.
 */
export interface ApplyRecorder {
  /** Requests for these changes are on their way. */
  sent(resources: Iterable<string>): void;
  /** The broker or registry confirmed the whole change of this resource. */
  confirmed(resource: string): void;
  /** An answer came for these that did not confirm them (a refusal, an error per item). */
  answered(resources: Iterable<string>): void;
}
