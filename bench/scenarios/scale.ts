/**
 * Scenario 10: the scale series. For each N (1,000, 5,000, 10,000; --quick: 1,000), synchook
 * creates N topics (whole process, waiting for every leader) and the broker floor creates N others
 * in the same run; the ratio and synchook's own time per topic (synchook − floor, / N) show
 * whether its overhead grows linearly. At 5,000 it also measures the no-op over the N topics
 * synchook created; at 10,000 synchook's peak RSS is judged. N = 1,000 is scenario 1's pair when
 * scenario 1 ran. Each step deletes its topics afterwards (not measured), so the next step starts
 * on a broker that is not still busy with the previous one.
 */
import { join } from 'node:path';
import { describeRequests, expectTopics, runSynchook, settleBroker, type BenchContext, type ScaleFigure } from '../lib/context.js';
import { TOPIC_SHAPE, topicNames, writeConfig, writeTopicsFile } from '../lib/fixtures.js';
import { brokerFloor, deleteTopics } from '../lib/floor.js';
import { megabytes, seconds, type ScenarioResult, type TargetRow } from '../lib/results.js';
import { FLOOR_RATIO_TARGET } from './create-topics.js';
import { prepareDir } from './dirs.js';
import { measureNoop } from './noop.js';

/** The no-op series point: B at 5,000 topics. */
const NOOP_AT = 5_000;
/** Peak RSS target, judged at the largest N. */
const RSS_TARGET_KB = 150 * 1024;
const RSS_AT = 10_000;

export async function scaleScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const dir = prepareDir(ctx, 'scale');
  const result: ScenarioResult = {
    id: '10',
    title: `Scale: create ${ctx.scale.map((count) => count.toLocaleString('en')).join(' / ')} topics`,
    baselines: [],
    target: `≤ ${FLOOR_RATIO_TARGET}× the floor at each N; RSS ≤ 150 MB at ${RSS_AT.toLocaleString('en')}`,
    notes: [],
    targets: [],
  };
  const figures: ScaleFigure[] = [];
  for (const count of ctx.scale) {
    if (count === ctx.shared.created?.topics) {
      figures.push(ctx.shared.created);
      result.notes.push(`N = ${count.toLocaleString('en')}: scenario 1's synchook run and broker floor.`);
      continue;
    }
    figures.push(await scaleStep(ctx, dir, count, result));
  }

  const cells: string[] = [];
  for (const figure of figures) {
    const ratio = figure.synchookMs / figure.floorMs;
    const overheadMs = (figure.synchookMs - figure.floorMs) / figure.topics;
    const n = figure.topics.toLocaleString('en');
    cells.push(`${n}: ${seconds(figure.synchookMs)}`);
    result.baselines.push({ name: `reference: broker floor at ${n}`, display: `${seconds(figure.floorMs)} (synchook ${ratio.toFixed(2)}×)`, seconds: figure.floorMs / 1000, reference: true });
    result.notes.push(
      `N = ${n}: synchook ${seconds(figure.synchookMs)}, floor ${seconds(figure.floorMs)}, synchook / floor ${ratio.toFixed(2)}; synchook's own time ${overheadMs.toFixed(2)} ms per topic ((synchook − floor) / N); peak RSS ${megabytes(figure.synchookRssKb)}.`,
    );
    result.targets!.push({
      what: `create ${n} topics, against the broker floor`,
      target: `≤ ${FLOOR_RATIO_TARGET}× the floor`,
      measured: `${seconds(figure.synchookMs)} vs floor ${seconds(figure.floorMs)}; own ${overheadMs.toFixed(2)} ms/topic`,
      ratio: `${ratio.toFixed(2)}× the floor`,
      met: ratio <= FLOOR_RATIO_TARGET,
    });
  }
  const largest = figures.at(-1);
  result.synchook = { display: cells.join(' · '), peakRssKb: largest?.synchookRssKb };
  result.targets!.push(rssTarget(figures.find((figure) => figure.topics === RSS_AT)));
  result.met = result.targets!.every((row) => row.met !== false);
  return result;
}

async function scaleStep(ctx: BenchContext, dir: string, count: number, result: ScenarioResult): Promise<ScaleFigure> {
  const n = count.toLocaleString('en');
  const synchookNames = topicNames(`bench.${ctx.runId}.scale${count}.synchook.`, count);
  const floorNames = topicNames(`bench.${ctx.runId}.scale${count}.floor.`, count);
  writeTopicsFile(join(dir, `topics-${count}.yaml`), synchookNames);
  const config = writeConfig(dir, `synchook-${count}.yaml`, ctx, { topics: { files: [`topics-${count}.yaml`] } });
  try {
    ctx.log(`10: synchook presync creating ${n} topics`);
    const synchook = await runSynchook(ctx, ['presync', '--config', config], { label: `scale-${count}`, killAfterMs: 1_800_000 });
    await expectTopics(ctx, synchookNames, `synchook presync (${n} topics)`);
    await settleBroker(ctx, synchookNames, TOPIC_SHAPE.partitions);
    result.notes.push(`N = ${n}: synchook's Kafka requests: ${describeRequests(synchook.requests, 'kafka ')}.`);

    if (count === NOOP_AT) {
      const noop = await measureNoop(ctx, config, { label: `noop-${count}`, tasks: 1, log: `10: synchook presync with nothing to do over ${n} topics` });
      result.notes.push(
        `No-op over ${n} topics (whole process, median of ${noop.runs.length}): ${seconds(noop.wallMs)} (${noop.runs.map((run) => seconds(run.wallMs)).join(', ')}); Kafka requests of the last run: ${describeRequests(noop.runs.at(-1)?.requests, 'kafka ')}.`,
      );
      result.targets!.push({ what: `no-op over ${n} topics, whole process (median)`, target: 'no target; figure', measured: seconds(noop.wallMs), ratio: '—' });
    }

    ctx.log(`10: broker floor creating ${n} topics`);
    const floor = await brokerFloor(ctx, floorNames);
    return { topics: count, synchookMs: synchook.wallMs, floorMs: floor.totalMs, synchookRssKb: synchook.peakRssKb };
  } finally {
    ctx.log(`10: deleting the ${2 * count} topics of N = ${n} (not measured)`);
    await deleteTopics(ctx, [...synchookNames, ...floorNames]).catch((error: unknown) => ctx.log(`10: deleting the topics of N = ${n} failed: ${String(error)}`));
  }
}

function rssTarget(figure: ScaleFigure | undefined): TargetRow {
  const what = `peak RSS creating ${RSS_AT.toLocaleString('en')} topics`;
  if (figure?.synchookRssKb === undefined) return { what, target: `≤ ${megabytes(RSS_TARGET_KB)}`, measured: figure ? 'n/a' : `not measured (no N = ${RSS_AT.toLocaleString('en')} in this run)`, ratio: '—' };
  return { what, target: `≤ ${megabytes(RSS_TARGET_KB)}`, measured: megabytes(figure.synchookRssKb), ratio: `${(figure.synchookRssKb / RSS_TARGET_KB).toFixed(2)}× the limit`, met: figure.synchookRssKb <= RSS_TARGET_KB };
}
