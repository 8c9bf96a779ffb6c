/**
 * Scenario 4: the PostSync smoke probe with 1,000 messages: wall time of the whole process and
 * the end-to-end latencies the probe itself reports (p50, p99).
 */
import { runSynchook, type BenchContext } from '../lib/context.js';
import { writeConfig } from '../lib/fixtures.js';
import { median, type Measured } from '../lib/measure.js';
import { millis, seconds, type ScenarioResult } from '../lib/results.js';
import { prepareDir } from './dirs.js';

const MESSAGES = 1000;
const RUNS = 3;
const TARGET_P99_MS = 50;
const TARGET_WALL_SECONDS = 5;

interface ProbeFigures {
  p50Ms: number;
  p99Ms: number;
  received: string;
  /** The probe's own wall time, from its "records in ..." line. */
  probe?: string;
}

export async function smokeScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const dir = prepareDir(ctx, 'smoke');
  const result: ScenarioResult = {
    id: '4',
    title: `PostSync smoke, ${MESSAGES.toLocaleString('en')} messages`,
    baselines: [],
    target: `p99 ≤ ${TARGET_P99_MS} ms, ≤ ${TARGET_WALL_SECONDS} s wall`,
    notes: [],
  };
  const config = writeConfig(dir, 'synchook.yaml', ctx, {
    smoke: { topic: `bench.${ctx.runId}.smoke`, messages: MESSAGES, timeout: '60s' },
  });

  // The first run creates the probe topic; a deployment after the first finds it in place.
  ctx.log('4: synchook postsync smoke, first run (creates the probe topic; not counted)');
  await runSynchook(ctx, ['postsync', '--config', config], { label: 'smoke-first' });
  const runs: Array<{ measured: Measured; figures: ProbeFigures }> = [];
  for (let run = 1; run <= RUNS; run++) {
    ctx.log(`4: synchook postsync smoke of ${MESSAGES} messages (run ${run}/${RUNS})`);
    const measured = await runSynchook(ctx, ['postsync', '--config', config], { label: 'smoke' });
    runs.push({ measured, figures: probeFigures(measured.stdout, measured.stderr) });
  }
  const wallMs = median(runs.map((run) => run.measured.wallMs));
  const p50 = median(runs.map((run) => run.figures.p50Ms));
  const p99 = median(runs.map((run) => run.figures.p99Ms));
  const rssKb = Math.max(...runs.map((run) => run.measured.peakRssKb ?? 0)) || undefined;
  result.synchook = { display: `${seconds(wallMs)} wall; e2e p50 ${millis(p50)}, p99 ${millis(p99)}`, seconds: wallMs / 1000, peakRssKb: rssKb };
  result.met = p99 <= TARGET_P99_MS && wallMs / 1000 <= TARGET_WALL_SECONDS;
  result.notes.push(
    `synchook: \`synchook postsync\` with a smoke section of ${MESSAGES} messages on a 3-partition probe topic (defaults: batches of 50, acks=all), whole process. Median of ${RUNS} runs after a first run that created the topic: wall ${runs.map((run) => seconds(run.measured.wallMs)).join(', ')}; p99 ${runs.map((run) => millis(run.figures.p99Ms)).join(', ')}; probe alone ${runs.map((run) => run.figures.probe ?? '?').join(', ')}; received ${runs.map((run) => run.figures.received).join(', ')}.`,
    'No baseline: the issue names none for the smoke probe.',
  );
  return result;
}

/**
 * The probe's figures: exact ones from its "smoke probe finished" log line (JSON on stderr when
 * not a terminal), else the rounded ones of its text report (docs/smoke-and-health.md).
 */
export function probeFigures(stdout: string, stderr: string): ProbeFigures {
  const received = /(\d+\/\d+) records in ([^\s,]+(?: ms| s)?)/.exec(stdout);
  const base = { received: received?.[1] ?? '?', probe: received?.[2] };
  for (const line of stderr.split('\n')) {
    if (!line.includes('smoke probe finished')) continue;
    try {
      const entry = JSON.parse(line) as { e2e?: { p50?: number; p99?: number } };
      if (typeof entry.e2e?.p50 === 'number' && typeof entry.e2e.p99 === 'number') return { ...base, p50Ms: entry.e2e.p50, p99Ms: entry.e2e.p99 };
    } catch {
      // Not JSON (a pretty log format): fall back to the text report.
    }
  }
  const row = /^\s*end-to-end\s+(.+)$/m.exec(stdout);
  const cells = row ? [...row[1]!.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s)\b/g)].map((match) => Number(match[1]) * (match[2] === 's' ? 1000 : 1)) : [];
  if (cells.length < 4) throw new Error(`no end-to-end latency in the smoke output:\n${stdout.split('\n').slice(0, 20).join('\n')}`);
  return { ...base, p50Ms: cells[0]!, p99Ms: cells[2]! };
}
