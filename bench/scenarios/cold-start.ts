/**
 * Scenario 5: cold start, `synchook --version` as a whole process; against one Kafka CLI JVM
 * (`kafka-topics.sh --version`), the start-up a hook script pays per call. Plain `node -e 0` is
 * noted as the floor any Node CLI pays.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, type BenchContext } from '../lib/context.js';
import { expectSuccess, measure, median } from '../lib/measure.js';
import { limitTarget, millis, tryBaseline, type ScenarioResult } from '../lib/results.js';
import { prepareDir } from './dirs.js';

const RUNS = 10;
const JVM_RUNS = 3;
const TARGET_MS = 100;

export async function coldStartScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const dir = prepareDir(ctx, 'cold-start');
  const result: ScenarioResult = { id: '5', title: 'Cold start, `synchook --version`', baselines: [], target: `≤ ${TARGET_MS} ms`, notes: [] };
  const options = { scratchDir: ctx.workDir, killAfterMs: 60_000 };

  ctx.log(`5: synchook --version, ${RUNS} runs after one to warm the file cache`);
  expectSuccess('synchook --version', await measure(process.execPath, [CLI, '--version'], options));
  const runs = [];
  for (let run = 0; run < RUNS; run++) runs.push(expectSuccess('synchook --version', await measure(process.execPath, [CLI, '--version'], options)));
  const wallMs = median(runs.map((run) => run.wallMs));
  const rssKb = Math.max(...runs.map((run) => run.peakRssKb ?? 0)) || undefined;
  result.synchook = { display: `${millis(wallMs)} (median of ${RUNS})`, seconds: wallMs / 1000, peakRssKb: rssKb };

  const floor = [];
  for (let run = 0; run < RUNS; run++) floor.push(expectSuccess('node -e 0', await measure(process.execPath, ['-e', '0'], options)));
  const floorMs = median(floor.map((run) => run.wallMs));

  ctx.log(`5: kafka-topics.sh --version, ${JVM_RUNS} runs`);
  await tryBaseline(result, 'kafka-topics.sh --version (one JVM)', ctx.log, async () => {
    const log4j = join(dir, 'tools-log4j.properties');
    writeFileSync(log4j, 'log4j.rootLogger=WARN, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\nlog4j.appender.stderr.Target=System.err\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\n');
    const jvm = [];
    for (let run = 0; run < JVM_RUNS; run++) {
      // kafka-run-class.sh's heap and collector defaults, as in the scenario 1 loop.
      const args = ['-Xmx256M', '-server', '-XX:+UseG1GC', '-Djava.awt.headless=true', `-Dlog4j.configuration=file:${log4j}`, '-cp', `${ctx.kafka.toolsLibsDir}/*`, 'org.apache.kafka.tools.TopicCommand', '--version'];
      jvm.push(expectSuccess('kafka-topics.sh --version', await measure('java', args, options)));
    }
    const jvmMs = median(jvm.map((run) => run.wallMs));
    return { name: 'kafka-topics.sh --version (one JVM)', display: `${millis(jvmMs)} (median of ${JVM_RUNS})`, seconds: jvmMs / 1000, peakRssKb: Math.max(...jvm.map((run) => run.peakRssKb ?? 0)) || undefined };
  });

  result.met = wallMs <= TARGET_MS;
  result.targets = [limitTarget('cold start, `synchook --version`', wallMs, TARGET_MS, millis)];
  result.notes.push(
    `synchook: \`node dist/cli.js --version\`, ${RUNS} runs (${runs.map((run) => millis(run.wallMs)).join(', ')}). Plain \`node -e 0\` takes ${millis(floorMs)} (median of ${RUNS}) on this machine: the floor of any Node CLI.`,
  );
  return result;
}
