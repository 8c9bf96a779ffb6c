/**
 * Scenario 8: change one config key on 100 of scenario 1's 1,000 topics, as a whole process (the
 * plan reads all 1,000, the apply changes 100). Three runs, each a real change: every run sets
 * retention.ms of the same 100 topics to a value the previous run did not. The bench then reads
 * the configs back (not measured) to check the change was made.
 */
import { join } from 'node:path';
import { describeRequests, expectTopics, runSynchook, type BenchContext, type SynchookRun } from '../lib/context.js';
import { TOPIC_SHAPE, writeConfig, writeTopicsFile } from '../lib/fixtures.js';
import { median } from '../lib/measure.js';
import { limitTarget, seconds, type ScenarioResult } from '../lib/results.js';
import { scenarioTopics, TOPIC_COUNT } from './create-topics.js';
import { prepareDir } from './dirs.js';

const CHANGED = 100;
const RUNS = 3;
const TARGET_SECONDS = 1.5;
const KEY = 'retention.ms';
// ConfigResourceTypes.TOPIC (the Kafka protocol's resource type of a topic), as in lib/warm-up.ts.
const TOPIC_RESOURCE = 2;

export async function changeConfigsScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const topics = scenarioTopics(ctx).synchook;
  const dir = prepareDir(ctx, 'change-configs');
  const result: ScenarioResult = {
    id: '8',
    title: `Change one key on ${CHANGED} of ${TOPIC_COUNT.toLocaleString('en')} topics`,
    baselines: [],
    target: `≤ ${TARGET_SECONDS} s`,
    notes: [],
  };
  await expectTopics(ctx, topics, 'scenario 1 (needed by scenario 8)');
  const changed = topics.slice(0, CHANGED);
  const config = writeConfig(dir, 'synchook.yaml', ctx, { topics: { files: ['topics.yaml'] } });
  const runs: SynchookRun[] = [];
  let value = '';
  for (let run = 1; run <= RUNS; run++) {
    value = String(Number(TOPIC_SHAPE.config[KEY]) + run * 60_000);
    writeTopicsFile(join(dir, 'topics.yaml'), topics, (_name, index): Record<string, string> => (index < CHANGED ? { [KEY]: value } : {}));
    ctx.log(`8: synchook presync setting ${KEY}=${value} on ${CHANGED} of ${TOPIC_COUNT} topics (run ${run}/${RUNS})`);
    const measured = await runSynchook(ctx, ['presync', '--config', config], { label: 'change-configs' });
    // "100 configs changed" once applied ("100 config changes" in a plan).
    if (!new RegExp(`^topics \\(presync\\): .*\\b${CHANGED} configs? change`, "m").test(measured.stdout)) {
      throw new Error(`synchook presync did not plan ${CHANGED} config changes; its output:\n${measured.stdout.split('\n').slice(0, 20).join('\n')}`);
    }
    runs.push(measured);
  }
  await expectConfig(ctx, changed, value);

  const wallMs = median(runs.map((run) => run.wallMs));
  const rssKb = Math.max(...runs.map((run) => run.peakRssKb ?? 0)) || undefined;
  result.synchook = { display: `${seconds(wallMs)} (median of ${RUNS})`, seconds: wallMs / 1000, peakRssKb: rssKb };
  result.targets = [limitTarget(`change one key on ${CHANGED} of ${TOPIC_COUNT.toLocaleString('en')} topics, whole process (median)`, wallMs / 1000, TARGET_SECONDS, (s) => seconds(s * 1000))];
  result.met = wallMs / 1000 <= TARGET_SECONDS;
  result.notes.push(
    `synchook: \`synchook presync\` over scenario 1's ${TOPIC_COUNT} topics with ${KEY} changed on ${CHANGED} of them, whole process (read, plan, validate with the broker, change, exit). Median of ${RUNS} runs, each changing the value again (${runs.map((run) => seconds(run.wallMs)).join(', ')}); the bench read the ${CHANGED} configs back afterwards. Kafka requests of the last run: ${describeRequests(runs.at(-1)?.requests, 'kafka ')}.`,
  );
  return result;
}

/** Fails unless every named topic has `retention.ms` = value. */
async function expectConfig(ctx: BenchContext, names: string[], value: string): Promise<void> {
  const admin = await ctx.admin();
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: names.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: [KEY] })) });
  const wrong = resources.filter((resource) => resource.configEntries.find((entry) => entry.configName === KEY)?.configValue !== value);
  if (wrong.length > 0 || resources.length !== names.length) throw new Error(`after synchook presync, ${wrong.length + names.length - resources.length} of ${names.length} topics lack ${KEY}=${value} (first: ${wrong[0]?.resourceName ?? '?'})`);
}
