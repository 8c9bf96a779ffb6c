/**
 * The broker's floor for creating topics: what any client pays at least on this broker, measured
 * in the same run as synchook. The bench process itself (already started and connected, so no
 * start-up, no config, no plan) sends CreateTopics in batches, then polls metadata until every new
 * partition has a leader: the same end point synchook waits for.
 */
import { TOPIC_SHAPE } from './fixtures.js';
import { settleBroker, type BenchContext } from './context.js';

/** synchook's own CreateTopics batch size (src/tasks/topics/broker-validation.ts). */
export const FLOOR_BATCH = 500;
/** Topics per Metadata request while waiting for leaders: one request for 10,000 names is slow to build and answer. */
const METADATA_BATCH = 2_000;

export interface FloorFigure {
  requestsMs: number;
  leadersMs: number;
  totalMs: number;
}

export async function brokerFloor(ctx: BenchContext, names: string[]): Promise<FloorFigure> {
  const admin = await ctx.admin();
  const configEntries = Object.entries(TOPIC_SHAPE.config).map(([name, value]) => ({ name, value }));
  const started = performance.now();
  for (let index = 0; index < names.length; index += FLOOR_BATCH) {
    const topics = names.slice(index, index + FLOOR_BATCH).map((topic) => ({ topic, numPartitions: TOPIC_SHAPE.partitions, replicationFactor: TOPIC_SHAPE.replicationFactor, configEntries }));
    await admin.createTopics({ topics, waitForLeaders: false, timeout: 120_000 });
  }
  const created = performance.now();
  const until = Date.now() + 600_000;
  let waiting = names;
  while (waiting.length > 0) {
    const stillWaiting: string[] = [];
    for (let index = 0; index < waiting.length; index += METADATA_BATCH) {
      const batch = waiting.slice(index, index + METADATA_BATCH);
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: batch });
        const ready = new Set(topics.filter((topic) => topic.partitions.length === TOPIC_SHAPE.partitions && topic.partitions.every((partition) => partition.leader >= 0)).map((topic) => topic.name));
        stillWaiting.push(...batch.filter((name) => !ready.has(name)));
      } catch {
        // UNKNOWN_TOPIC_OR_PARTITION until the broker has published every topic of the batch.
        stillWaiting.push(...batch);
      }
    }
    waiting = stillWaiting;
    if (waiting.length === 0) break;
    if (Date.now() > until) throw new Error(`the broker did not show leaders for ${waiting.length} of ${names.length} topics within 10 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const done = performance.now();
  await settleBroker(ctx, names, TOPIC_SHAPE.partitions);
  return { requestsMs: created - started, leadersMs: done - created, totalMs: done - started };
}

/**
 * Deletes topics a scale step created and waits until the broker no longer lists them (not
 * measured), so the next step does not run on a broker busy with the previous one's partitions.
 */
export async function deleteTopics(ctx: BenchContext, names: string[]): Promise<void> {
  const admin = await ctx.admin();
  for (let index = 0; index < names.length; index += FLOOR_BATCH) {
    await admin.deleteTopics({ topics: names.slice(index, index + FLOOR_BATCH), timeout: 120_000 });
  }
  const wanted = new Set(names);
  const until = Date.now() + 600_000;
  while (Date.now() < until) {
    const left = (await admin.listTopics()).filter((name) => wanted.has(name)).length;
    if (left === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  ctx.log(`the broker still lists some of the ${names.length} deleted topics after 10 minutes; measuring on`);
}
