/**
 * Scenario 1: PreSync creating 1,000 topics (3 partitions, 2 config overrides each), against the
 * hook-script loop (one kafka-topics.sh JVM per topic, on a sample, extrapolated linearly) and
 * naive kafkajs (one topic per createTopics request).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASELINES_DIR, describeRequests, expectTopics, runSynchook, settleBroker, type BenchContext } from '../lib/context.js';
import { TOPIC_SHAPE, topicNames, writeConfig, writeNameList, writeTopicsFile } from '../lib/fixtures.js';
import { expectSuccess, measure } from '../lib/measure.js';
import { brokerFloor, FLOOR_BATCH } from '../lib/floor.js';
import { megabytes, ratio, seconds, tryBaseline, type ScenarioResult } from '../lib/results.js';
import { prepareDir } from './dirs.js';

export const TOPIC_COUNT = 1000;
const TARGET_SECONDS = 10;
const TARGET_RATIO = 50;
const TARGET_RSS_KB = 200 * 1024;
/** The target: synchook creating N topics within 1.3× the broker floor of the same run. */
export const FLOOR_RATIO_TARGET = 1.3;

/** Topic names per approach; scenario 2 plans over the same ones. */
export function scenarioTopics(ctx: BenchContext) {
  return {
    synchook: topicNames(`bench.${ctx.runId}.synchook.`, TOPIC_COUNT),
    naive: topicNames(`bench.${ctx.runId}.naive.`, TOPIC_COUNT),
    hook: topicNames(`bench.${ctx.runId}.hook.`, ctx.hookSample),
    floor: topicNames(`bench.${ctx.runId}.floor.`, TOPIC_COUNT),
  };
}

export const topicConfigPairs = Object.entries(TOPIC_SHAPE.config).map(([key, value]) => `${key}=${value}`).join(' ');

export function baselineTopicEnv(): Record<string, string> {
  return { PARTITIONS: String(TOPIC_SHAPE.partitions), REPLICATION_FACTOR: String(TOPIC_SHAPE.replicationFactor), TOPIC_CONFIGS: topicConfigPairs };
}

export async function createTopicsScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const dir = prepareDir(ctx, 'topics');
  const names = scenarioTopics(ctx);
  const result: ScenarioResult = {
    id: '1',
    title: `PreSync creating ${TOPIC_COUNT.toLocaleString('en')} topics`,
    baselines: [],
    target: `≤ ${TARGET_SECONDS} s, ≥ ${TARGET_RATIO}× the kafka-topics.sh loop, RSS ≤ 200 MB`,
    notes: [],
  };

  writeTopicsFile(join(dir, 'topics.yaml'), names.synchook);
  const config = writeConfig(dir, 'synchook.yaml', ctx, { topics: { files: ['topics.yaml'] } });
  ctx.log(`1: synchook presync creating ${TOPIC_COUNT} topics`);
  const synchook = await runSynchook(ctx, ['presync', '--config', config], { label: 'create-topics' });
  await expectTopics(ctx, names.synchook, 'synchook presync');
  await settleBroker(ctx, names.synchook, TOPIC_SHAPE.partitions);
  const synchookSeconds = synchook.wallMs / 1000;
  result.synchook = { display: seconds(synchook.wallMs), seconds: synchookSeconds, peakRssKb: synchook.peakRssKb };
  result.notes.push(
    `synchook: \`synchook presync\` (built CLI, whole process) with one topics file declaring ${TOPIC_COUNT} topics; ${TOPIC_SHAPE.partitions} partitions, replication factor ${TOPIC_SHAPE.replicationFactor}, configs ${topicConfigPairs}. It plans (validate-only requests), creates, then waits until every new partition has a leader. Kafka requests: ${describeRequests(synchook.requests, 'kafka ')}.`,
  );

  ctx.log(`1: broker floor: ${TOPIC_COUNT} topics in batches of ${FLOOR_BATCH}, then the wait for every leader`);
  const floorFigure = await tryBaseline(result, 'broker floor', ctx.log, async () => {
    const floor = await brokerFloor(ctx, names.floor);
    result.notes.push(
      `broker floor: not a baseline but the least any client can take on this broker: the bench process itself (already started and connected) sends CreateTopics in batches of ${FLOOR_BATCH} (${seconds(floor.requestsMs)}), then polls metadata until every partition has a leader (${seconds(floor.leadersMs)} more); ${seconds(floor.totalMs)} in all, against synchook's ${seconds(synchook.wallMs)} for the whole process (start-up, plan with validate-only requests, create, the same wait, exit). It runs right after synchook, on a broker that already holds synchook's ${TOPIC_COUNT} topics; synchook / floor = ${(synchook.wallMs / floor.totalMs).toFixed(2)}.`,
    );
    return { name: 'reference: broker floor (in-process batch create + leader wait)', display: seconds(floor.totalMs), seconds: floor.totalMs / 1000, reference: true };
  });

  if (floorFigure?.seconds !== undefined) {
    const floorRatio = synchookSeconds / floorFigure.seconds;
    ctx.shared.created = { topics: TOPIC_COUNT, synchookMs: synchook.wallMs, floorMs: floorFigure.seconds * 1000, synchookRssKb: synchook.peakRssKb };
    result.targets = [
      {
        what: `create ${TOPIC_COUNT.toLocaleString('en')} topics, against the broker floor`,
        target: `≤ ${FLOOR_RATIO_TARGET}× the floor`,
        measured: `${seconds(synchook.wallMs)} vs floor ${seconds(floorFigure.seconds * 1000)}`,
        ratio: `${floorRatio.toFixed(2)}× the floor`,
        met: floorRatio <= FLOOR_RATIO_TARGET,
      },
    ];
  }

  if (ctx.quick) {
    result.notes.push('naive kafkajs: left out (--quick).');
  } else {
    ctx.log(`1: naive kafkajs creating ${TOPIC_COUNT} topics, one request each`);
    await tryBaseline(result, 'naive kafkajs, 1 topic/request', ctx.log, async () => {
      writeNameList(join(dir, 'naive-topics.txt'), names.naive);
      const naive = expectSuccess(
        'naive kafkajs',
        await measure(process.execPath, [ctx.naiveScript, ctx.bootstrap, join(dir, 'naive-topics.txt')], { env: baselineTopicEnv(), scratchDir: ctx.workDir, killAfterMs: 600_000 }),
      );
      await expectTopics(ctx, names.naive, 'naive kafkajs');
      await settleBroker(ctx, names.naive, TOPIC_SHAPE.partitions);
      result.notes.push(
        `naive kafkajs: bench/baselines/kafkajs-naive.ts, one createTopics request per topic in sequence, all ${TOPIC_COUNT} topics, with waitForLeaders off (kafkajs 2.2.4's leader wait fails against KRaft, tulios/kafkajs#1563; without it the baseline is faster); peak RSS ${megabytes(naive.peakRssKb)}.`,
      );
      return { name: 'naive kafkajs, 1 topic/request', display: seconds(naive.wallMs), seconds: naive.wallMs / 1000, peakRssKb: naive.peakRssKb };
    });
  }

  ctx.log(`1: kafka-topics.sh loop on a sample of ${ctx.hookSample} topics (one JVM per topic)`);
  const hook = await tryBaseline(result, 'kafka-topics.sh per topic', ctx.log, async () => {
    writeNameList(join(dir, 'hook-topics.txt'), names.hook);
    const log4j = join(dir, 'tools-log4j.properties');
    writeFileSync(log4j, toolsLog4j());
    const run = expectSuccess(
      'kafka-topics.sh loop',
      await measure('bash', [join(BASELINES_DIR, 'kafka-topics-loop.sh'), ctx.bootstrap, join(dir, 'hook-topics.txt')], {
        env: { ...baselineTopicEnv(), KAFKA_LIBS: ctx.kafka.toolsLibsDir, KAFKA_LOG4J: log4j },
        scratchDir: ctx.workDir,
        killAfterMs: 900_000,
      }),
    );
    await expectTopics(ctx, names.hook, 'kafka-topics.sh loop');
    const perTopicMs = run.wallMs / ctx.hookSample;
    const hookSeconds = (perTopicMs * TOPIC_COUNT) / 1000;
    result.notes.push(
      `kafka-topics.sh loop: bench/baselines/kafka-topics-loop.sh, one \`java ... org.apache.kafka.tools.TopicCommand --create --if-not-exists\` per topic with kafka-run-class.sh's default JVM options, **run on a sample of ${ctx.hookSample} topics and extrapolated linearly to ${TOPIC_COUNT}** (${seconds(run.wallMs)} for ${ctx.hookSample}, ${seconds(perTopicMs)} per topic); peak RSS of one JVM ${megabytes(run.peakRssKb)}. Ratio ${ratio(hookSeconds, synchookSeconds)}.`,
    );
    return {
      name: 'kafka-topics.sh per topic',
      display: `${seconds(hookSeconds * 1000)} (extrapolated from ${ctx.hookSample} topics: ${seconds(perTopicMs)} each)`,
      seconds: hookSeconds,
      peakRssKb: run.peakRssKb,
      judged: true,
    };
  });

  const rssOk = synchook.peakRssKb === undefined || synchook.peakRssKb <= TARGET_RSS_KB;
  if (hook?.seconds !== undefined) result.met = synchookSeconds <= TARGET_SECONDS && hook.seconds / synchookSeconds >= TARGET_RATIO && rssOk;
  return result;
}

/** Kafka's config/tools-log4j.properties: warnings and errors to stderr. */
function toolsLog4j(): string {
  return [
    'log4j.rootLogger=WARN, stderr',
    'log4j.appender.stderr=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stderr.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.appender.stderr.Target=System.err',
    '',
  ].join('\n');
}
