/**
 * The script a team writes first with kafkajs: for each topic, one createTopics request with that
 * topic alone, awaited before the next. createTopics resolves to false for a topic that exists,
 * which makes it a no-op check too. waitForLeaders is off: kafkajs 2.2.4's leader wait asks for
 * the new topic's metadata and fails on KRaft brokers, which answer UNKNOWN_TOPIC_OR_PARTITION
 * for a moment after the creation (tulios/kafkajs#1563); a team hits that on its first run and
 * turns the wait off. Without the wait the baseline is faster than kafkajs's default.
 * With a subjects list it then registers each subject with one POST, one after the other.
 *
 * Run as a process of its own, like synchook:
 *   node kafkajs-naive.mjs BOOTSTRAP TOPICS_FILE [REGISTRY_URL SUBJECTS_FILE]
 * Environment: PARTITIONS, REPLICATION_FACTOR, TOPIC_CONFIGS (space-separated key=value).
 * Prints "created N existing M registered K" on stdout.
 *
 * Self-contained (no relative imports): the bench transpiles this one file and runs it with node.
 */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';

async function main(): Promise<void> {
  const [bootstrap, topicsFile, registryUrl, subjectsFile] = process.argv.slice(2);
  if (!bootstrap || !topicsFile) throw new Error('usage: kafkajs-naive BOOTSTRAP TOPICS_FILE [REGISTRY_URL SUBJECTS_FILE]');
  const topics = lines(topicsFile);
  const configEntries = (process.env.TOPIC_CONFIGS ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((pair) => {
      const [name, value] = pair.split('=', 2) as [string, string];
      return { name, value };
    });

  const kafka = new Kafka({ clientId: 'naive-hook', brokers: [bootstrap], logLevel: logLevel.WARN });
  const admin = kafka.admin();
  await admin.connect();
  let created = 0;
  let existing = 0;
  try {
    for (const topic of topics) {
      const wasCreated = await admin.createTopics({
        waitForLeaders: false,
        topics: [{ topic, numPartitions: Number(process.env.PARTITIONS ?? 3), replicationFactor: Number(process.env.REPLICATION_FACTOR ?? 1), configEntries }],
      });
      if (wasCreated) created++;
      else existing++;
    }
  } finally {
    await admin.disconnect();
  }

  let registered = 0;
  if (registryUrl && subjectsFile) {
    for (const line of lines(subjectsFile)) {
      const [subject, payloadFile] = line.split('\t') as [string, string];
      const response = await fetch(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
        body: readFileSync(payloadFile),
      });
      const body = await response.text();
      if (!response.ok) throw new Error(`POST ${subject}: HTTP ${response.status} ${body}`);
      registered++;
    }
  }
  process.stdout.write(`created ${created} existing ${existing} registered ${registered}\n`);
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '');
}

main().catch((error: unknown) => {
  process.stderr.write(`kafkajs-naive: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
