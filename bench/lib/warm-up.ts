/**
 * Warms the freshly started broker and registry before anything is measured. Both are JVMs: the
 * first few hundred requests run interpreted code and fill caches, so whichever approach runs first
 * would pay for the warm-up (a cold registry made 200 registrations take 11 s instead of 1.5 s).
 * The warm-up does the same kinds of work the scenarios do, on throwaway names.
 */
import { expectTopics, settleBroker, type BenchContext } from './context.js';
import { topicNames } from './fixtures.js';

const WARM_TOPICS = 300;
const WARM_SUBJECTS = 300;
const CONCURRENCY = 6;
// ConfigResourceTypes.TOPIC, the Kafka protocol's resource type of a topic: kafkajs exports the
// enum from CommonJS in a way Node's named-import detection does not see from ESM.
const TOPIC_RESOURCE = 2;

export async function warmUp(ctx: BenchContext): Promise<void> {
  const started = Date.now();
  await Promise.all([warmBroker(ctx), warmRegistry(ctx)]);
  ctx.log(`warmed the broker and the registry up in ${((Date.now() - started) / 1000).toFixed(1)} s (not measured)`);
}

async function warmBroker(ctx: BenchContext): Promise<void> {
  const admin = await ctx.admin();
  const names = topicNames(`bench.${ctx.runId}.warmup.`, WARM_TOPICS);
  for (let index = 0; index < names.length; index += 50) {
    const topics = names.slice(index, index + 50).map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '86400000' }] }));
    await admin.createTopics({ topics, validateOnly: true, waitForLeaders: false });
    await admin.createTopics({ topics, waitForLeaders: false });
  }
  // With --reuse there is no log folder to watch: wait until the broker lists them instead.
  await expectTopics(ctx, names, 'the warm-up', 300_000);
  await settleBroker(ctx, names, 3);
  for (let round = 0; round < 5; round++) {
    await admin.fetchTopicMetadata({ topics: names });
    await admin.describeConfigs({ includeSynonyms: false, resources: names.map((name) => ({ type: TOPIC_RESOURCE, name })) });
  }
}

async function warmRegistry(ctx: BenchContext): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < WARM_SUBJECTS) {
      const index = next++;
      const subject = `bench-${ctx.runId}-warmup-${index}-value`;
      const schema = JSON.stringify({ type: 'record', name: `Warm${index}`, namespace: 'bench.warmup', fields: [{ name: 'id', type: 'string' }, { name: 'n', type: ['null', 'long'], default: null }] });
      const body = JSON.stringify({ schemaType: 'AVRO', schema });
      const headers = { 'Content-Type': 'application/vnd.schemaregistry.v1+json' };
      // The requests synchook and the baselines make: a lookup that misses, a registration
      // (with and without normalize), a lookup that hits, the subject's config.
      await drain(fetch(`${ctx.registryUrl}/subjects/${subject}/versions/latest`));
      await drain(fetch(`${ctx.registryUrl}/subjects/${subject}/versions${index % 2 === 0 ? '?normalize=true' : ''}`, { method: 'POST', headers, body }));
      await drain(fetch(`${ctx.registryUrl}/subjects/${subject}?normalize=true`, { method: 'POST', headers, body }));
      await drain(fetch(`${ctx.registryUrl}/config/${subject}?defaultToGlobal=true`));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function drain(response: Promise<Response>): Promise<void> {
  await (await response).arrayBuffer();
}
