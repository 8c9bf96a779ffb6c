/**
 * Scenario 2: a PreSync with nothing to do over the 1,000 topics of scenario 1 and the 1,000
 * subjects of scenario 3, as a whole process (start, plan, exit), against naive kafkajs doing the
 * same idempotent pass (createTopics per topic, then one POST per subject).
 */
import { basename, dirname, join } from 'node:path';
import { describeRequests, expectTopics, runSynchook, type BenchContext, type SynchookRun } from '../lib/context.js';
import { writeConfig, writeNameList, writeTopicsFile } from '../lib/fixtures.js';
import { expectSuccess, measure, median, type Measured } from '../lib/measure.js';
import { limitTarget, megabytes, seconds, tryBaseline, type ScenarioResult } from '../lib/results.js';
import { baselineTopicEnv, scenarioTopics, TOPIC_COUNT } from './create-topics.js';
import { expectSubjects, scenarioSubjects, SUBJECT_COUNT } from './register-subjects.js';

const TARGET_SECONDS = 3;
const TARGET_RSS_KB = 200 * 1024;
const RUNS = 3;

export async function noopScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const topics = scenarioTopics(ctx);
  const subjects = scenarioSubjects(ctx);
  const result: ScenarioResult = {
    id: '2',
    title: `PreSync no-op, ${TOPIC_COUNT.toLocaleString('en')} topics + ${SUBJECT_COUNT} subjects`,
    baselines: [],
    target: `≤ ${TARGET_SECONDS} s, RSS ≤ 200 MB`,
    notes: [],
  };
  // A no-op needs the state scenarios 1 and 3 created.
  await expectTopics(ctx, topics.synchook, 'scenario 1 (needed by scenario 2)');
  await expectSubjects(ctx, subjects.synchook, 'scenario 3 (needed by scenario 2)');

  // Next to synchook's subjects file, so every path in the config stays relative to it.
  const dir = dirname(subjects.synchookSubjectsFile);
  writeTopicsFile(join(dir, 'noop-topics.yaml'), topics.synchook);
  const config = writeConfig(dir, 'noop.yaml', ctx, {
    topics: { files: ['noop-topics.yaml'] },
    schemas: { files: [basename(subjects.synchookSubjectsFile)] },
  });
  const { runs, wallMs, rssKb } = await measureNoop(ctx, config, { label: 'noop', tasks: 2, log: '2: synchook presync with nothing to do' });
  result.synchook = { display: `${seconds(wallMs)} (median of ${RUNS})`, seconds: wallMs / 1000, peakRssKb: rssKb };

  if (ctx.quick) {
    result.notes.push('naive kafkajs: left out (--quick).');
  } else {
    ctx.log(`2: naive kafkajs over its ${TOPIC_COUNT} topics, then a POST per subject`);
    await tryBaseline(result, 'naive kafkajs, 1 topic/request + 1 POST/subject', ctx.log, async () => {
      writeNameList(join(dir, 'noop-naive-topics.txt'), topics.naive);
      const naive = expectSuccess(
        'naive kafkajs no-op',
        await measure(process.execPath, [ctx.naiveScript, ctx.bootstrap, join(dir, 'noop-naive-topics.txt'), ctx.registryUrl, subjects.curlList], {
          env: baselineTopicEnv(),
          scratchDir: ctx.workDir,
          killAfterMs: 600_000,
        }),
      );
      if (!naive.stdout.includes(`created 0 existing ${TOPIC_COUNT} registered ${SUBJECT_COUNT}`)) {
        throw new Error(`naive kafkajs no-op did not find every topic in place (needs scenario 1's baseline run): ${naive.stdout.trim()}`);
      }
      result.notes.push(
        `naive kafkajs: one createTopics per topic (each answers "already exists"; configs are not compared, so it checks less than synchook's plan) and one POST per subject (the registry answers with the existing id); peak RSS ${megabytes(naive.peakRssKb)}.`,
      );
      return { name: 'naive kafkajs, 1 topic/request + 1 POST/subject', display: seconds(naive.wallMs), seconds: naive.wallMs / 1000, peakRssKb: naive.peakRssKb, judged: true };
    });
  }

  result.met = wallMs / 1000 <= TARGET_SECONDS && (rssKb === undefined || rssKb <= TARGET_RSS_KB);
  result.targets = [limitTarget(`no-op over ${TOPIC_COUNT.toLocaleString('en')} topics + ${SUBJECT_COUNT.toLocaleString('en')} subjects (median)`, wallMs / 1000, TARGET_SECONDS, (value) => seconds(value * 1000))];
  result.notes.unshift(
    `synchook: \`synchook presync\` over scenario 1's ${TOPIC_COUNT} topics and scenario 3's ${SUBJECT_COUNT} subjects, all already in place: start, read the files, describe the cluster and the registry, plan nothing, apply nothing, exit. Median of ${RUNS} runs (${runs.map((run) => seconds(run.wallMs)).join(', ')}); peak RSS is the highest of the ${RUNS}. Requests of the last run: Kafka ${describeRequests(runs.at(-1)?.requests, 'kafka ')}; registry ${describeRequests(runs.at(-1)?.requests, 'http ')}.`,
  );
  return result;
}

/**
 * A no-op that planned something is not a no-op: its figure would measure the wrong thing. Each
 * task's plan headline reads "<task> (presync): no changes (...)" when there is nothing to do.
 */
export function assertNothingApplied(run: Measured, tasks = 2): void {
  const headlines = [...run.stdout.matchAll(/^(\w+) \(presync\): (.*)$/gm)];
  const busy = headlines.filter((match) => !match[2]!.startsWith('no changes'));
  if (headlines.length < tasks || busy.length > 0) {
    throw new Error(`synchook presync over what is already in place did not plan "no changes" for every task; its output:\n${run.stdout.split('\n').slice(0, 20).join('\n')}`);
  }
}

export interface NoopFigures {
  runs: SynchookRun[];
  /** Median wall time. */
  wallMs: number;
  /** Highest peak RSS of the runs. */
  rssKb?: number;
}

/** `synchook presync` with nothing to do, `runs` times; each run must plan no change for any of its `tasks` tasks. */
export async function measureNoop(ctx: BenchContext, config: string, options: { label: string; tasks: number; runs?: number; log: string }): Promise<NoopFigures> {
  const count = options.runs ?? RUNS;
  const runs: SynchookRun[] = [];
  for (let run = 1; run <= count; run++) {
    ctx.log(`${options.log} (run ${run}/${count})`);
    const measured = await runSynchook(ctx, ['presync', '--config', config], { label: options.label, killAfterMs: 600_000 });
    assertNothingApplied(measured, options.tasks);
    runs.push(measured);
  }
  return { runs, wallMs: median(runs.map((run) => run.wallMs)), rssKb: Math.max(...runs.map((run) => run.peakRssKb ?? 0)) || undefined };
}
