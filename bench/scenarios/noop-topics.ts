/**
 * Scenario 7: a PreSync with nothing to do over scenario 1's 1,000 topics alone (no schemas), as a
 * whole process: the run every sync pays when nothing changed. Against naive kafkajs doing the
 * same idempotent pass over its own 1,000 topics (one createTopics per topic).
 */
import { join } from 'node:path';
import { describeRequests, expectTopics, type BenchContext } from '../lib/context.js';
import { writeConfig, writeNameList, writeTopicsFile } from '../lib/fixtures.js';
import { expectSuccess, measure } from '../lib/measure.js';
import { limitTarget, megabytes, seconds, tryBaseline, type ScenarioResult } from '../lib/results.js';
import { baselineTopicEnv, scenarioTopics, TOPIC_COUNT } from './create-topics.js';
import { prepareDir } from './dirs.js';
import { measureNoop } from './noop.js';

const TARGET_SECONDS = 1.0;
/** And at most this share of the fastest in-project baseline's time. */
const TARGET_BASELINE_SHARE = 0.8;

export async function noopTopicsScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const topics = scenarioTopics(ctx);
  const dir = prepareDir(ctx, 'noop-topics');
  const result: ScenarioResult = {
    id: '7',
    title: `PreSync no-op, ${TOPIC_COUNT.toLocaleString('en')} topics`,
    baselines: [],
    target: `≤ ${TARGET_SECONDS.toFixed(1)} s and ≤ ${TARGET_BASELINE_SHARE}× the fastest baseline`,
    notes: [],
  };
  await expectTopics(ctx, topics.synchook, 'scenario 1 (needed by scenario 7)');
  writeTopicsFile(join(dir, 'topics.yaml'), topics.synchook);
  const config = writeConfig(dir, 'synchook.yaml', ctx, { topics: { files: ['topics.yaml'] } });
  const noop = await measureNoop(ctx, config, { label: 'noop-topics', tasks: 1, log: `7: synchook presync with nothing to do over ${TOPIC_COUNT} topics` });
  result.synchook = { display: `${seconds(noop.wallMs)} (median of ${noop.runs.length})`, seconds: noop.wallMs / 1000, peakRssKb: noop.rssKb };
  result.notes.push(
    `synchook: \`synchook presync\` with one topics file declaring scenario 1's ${TOPIC_COUNT} topics, all in place: start, read the file, read the cluster, plan nothing, exit. Median of ${noop.runs.length} runs (${noop.runs.map((run) => seconds(run.wallMs)).join(', ')}). Kafka requests of the last run: ${describeRequests(noop.runs.at(-1)?.requests, 'kafka ')}.`,
  );

  let fastestBaseline: number | undefined;
  if (ctx.quick) {
    result.notes.push('naive kafkajs: left out (--quick); the target against the fastest baseline is not judged.');
  } else {
    ctx.log(`7: naive kafkajs over its ${TOPIC_COUNT} topics, one createTopics each`);
    const naive = await tryBaseline(result, 'naive kafkajs, 1 topic/request', ctx.log, async () => {
      writeNameList(join(dir, 'naive-topics.txt'), topics.naive);
      const run = expectSuccess(
        'naive kafkajs no-op',
        await measure(process.execPath, [ctx.naiveScript, ctx.bootstrap, join(dir, 'naive-topics.txt')], { env: baselineTopicEnv(), scratchDir: ctx.workDir, killAfterMs: 600_000 }),
      );
      if (!run.stdout.includes(`created 0 existing ${TOPIC_COUNT}`)) throw new Error(`naive kafkajs no-op did not find every topic in place (needs scenario 1's baseline run): ${run.stdout.trim()}`);
      result.notes.push(`naive kafkajs: one createTopics per topic over its own ${TOPIC_COUNT} topics (each answers "already exists"; configs are not compared); peak RSS ${megabytes(run.peakRssKb)}.`);
      return { name: 'naive kafkajs, 1 topic/request', display: seconds(run.wallMs), seconds: run.wallMs / 1000, peakRssKb: run.peakRssKb, judged: true };
    });
    fastestBaseline = naive?.seconds;
  }

  const seconds1 = noop.wallMs / 1000;
  const format = (value: number) => seconds(value * 1000);
  result.targets = [limitTarget(`no-op over ${TOPIC_COUNT.toLocaleString('en')} topics, whole process (median)`, seconds1, TARGET_SECONDS, format)];
  if (fastestBaseline !== undefined) {
    result.targets.push({
      what: `no-op over ${TOPIC_COUNT.toLocaleString('en')} topics, against the fastest in-project baseline`,
      target: `≤ ${TARGET_BASELINE_SHARE}× the baseline`,
      measured: `${format(seconds1)} vs ${format(fastestBaseline)}`,
      ratio: `${(seconds1 / fastestBaseline).toFixed(2)}× the baseline`,
      met: seconds1 <= TARGET_BASELINE_SHARE * fastestBaseline,
    });
  }
  result.met = result.targets.every((row) => row.met !== false);
  return result;
}
