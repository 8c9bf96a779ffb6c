/**
 * Waiting until the broker serves what apply wrote. Kafka's controller answers once a change is
 * committed, before the brokers serve it; apply waits so that a rerun right after plans nothing.
 *
 * Readiness is tracked per topic: each round asks only about the topics not ready yet, in
 * batches, so one topic the broker does not know yet never hides the progress of the others.
 * The wait has no fixed length: it goes on while the broker makes progress and gives up after
 * `stallTimeoutMs` without any (topics.settleTimeout), within the task's deadline.
 */
import type { KafkaAdmin, TopicMetadataResult } from '../../clients/kafka/admin.js';
import { isRetriableKafkaError } from '../../clients/kafka.js';
import type { Logger } from '../../log.js';
import { chunk, mapBounded, sleep } from '../shared/batch.js';

/** Topics per Metadata request while waiting, and requests in flight. */
export const METADATA_BATCH_SIZE = 1_000;
const METADATA_CONCURRENCY = 2;
const POLL_MS = 200;
const PROGRESS_LOG_MS = 5_000;

export interface SettleOptions {
  /** Give up after this long without one more topic becoming ready. */
  stallTimeoutMs: number;
  signal: AbortSignal;
  log: Logger;
}

export interface SettleOutcome {
  /** Topics still not ready when the wait ended (empty when everything is ready). */
  pending: string[];
  /** Why it stopped early: the stall timeout passed, or the run was aborted (SIGTERM, deadline). */
  stopped?: 'stalled' | 'aborted';
  /** What the broker last said about a topic still pending, for the error message. */
  lastProblem: string;
}

/**
 * Checks the pending topics round after round until `isReady` holds for all of them. `check`
 * gets the not-yet-ready names (a batch at a time) and returns the ready ones plus a problem text.
 */
export async function waitUntilReady(
  what: string,
  names: readonly string[],
  check: (batch: string[]) => Promise<{ ready: string[]; problem?: string }>,
  options: SettleOptions & { batchSize?: number; concurrency?: number },
): Promise<SettleOutcome> {
  let pending = new Set(names);
  const total = pending.size;
  const started = Date.now();
  let lastProgress = started;
  let lastLog = started;
  let lastProblem = '';
  while (pending.size > 0) {
    const batches = chunk([...pending], options.batchSize ?? METADATA_BATCH_SIZE);
    try {
      const rounds = await mapBounded(batches, options.concurrency ?? METADATA_CONCURRENCY, check);
      const ready = new Set(rounds.flatMap((round) => round.ready));
      lastProblem = rounds.find((round) => round.problem)?.problem ?? lastProblem;
      if (ready.size > 0) {
        pending = new Set([...pending].filter((name) => !ready.has(name)));
        lastProgress = Date.now();
      }
    } catch (error) {
      // The writes are done; a lost connection or a broker catching up is waited out.
      if (!isRetriableKafkaError(error)) throw error;
      lastProblem = `the broker answered: ${(error as Error).message}`;
    }
    if (pending.size === 0) break;
    const now = Date.now();
    if (now - lastLog >= PROGRESS_LOG_MS) {
      lastLog = now;
      options.log.info({ waitingFor: what, done: total - pending.size, total, elapsedSeconds: Math.round((now - started) / 1000) }, `topics: waiting until the broker serves ${what}: ${total - pending.size} of ${total} done`);
    }
    if (options.signal.aborted) return { pending: [...pending], stopped: 'aborted', lastProblem };
    if (now - lastProgress >= options.stallTimeoutMs) return { pending: [...pending], stopped: 'stalled', lastProblem };
    await sleep(POLL_MS, options.signal);
  }
  if (total > 0) options.log.info({ waitingFor: what, done: total, total, elapsedSeconds: Math.round((Date.now() - started) / 1000) }, `topics: the broker serves ${what}`);
  return { pending: [], lastProblem };
}

/** A topic is served when it has at least `partitions` partitions, each with a leader. */
function servesTopic(result: TopicMetadataResult | undefined, partitions: number): boolean {
  return result !== undefined && result.ok && result.partitions.length >= partitions && result.partitions.every((partition) => partition.leader >= 0);
}

/** One Metadata request for a batch: the topics served with their partitions and leaders, and what is missing. */
export async function leaderCheck(admin: KafkaAdmin, batch: string[], expected: ReadonlyMap<string, number>): Promise<{ ready: string[]; problem?: string }> {
  const metadata = await admin.topicMetadata(batch);
  const ready = batch.filter((name) => servesTopic(metadata.get(name), expected.get(name) ?? 1));
  const waiting = batch.find((name) => !ready.includes(name));
  if (waiting === undefined) return { ready };
  const result = metadata.get(waiting);
  const problem = !result
    ? `${waiting}: not in the broker's answer`
    : !result.ok
      ? `${waiting}: ${result.error.type}`
      : `${waiting}: ${result.partitions.filter((partition) => partition.leader >= 0).length} of ${Math.max(expected.get(waiting) ?? 1, result.partitions.length)} partitions have a leader`;
  return { ready, problem };
}
