/**
 * `npm run bench`: starts a local Kafka 3.9 and the schema registry, runs every scenario with
 * synchook (the built CLI, as a process of its own) and its baselines side by side, prints the
 * table and writes it with the machine description to bench/results.md. It prints figures; it
 * asserts no timings. It fails only when a run itself fails (a scenario that errors).
 *
 *   node --import tsx bench/run.ts [--quick] [--only 1,3] [--reuse STATE_FILE]
 *
 * --quick      1,000 topics only (the scale series is scenario 1's pair), no naive kafkajs
 *              baselines, a kafka-topics.sh sample of 10: a few minutes, for checking a change.
 * --only       run these scenarios (1..10); the results then go to bench/.work/results-partial.md,
 *              not bench/results.md (2 needs 1 and 3; 7 and 8 need 1; 9 needs 3).
 * --reuse      use a Kafka and registry already started by `npm run harness -- up --state FILE`.
 * Environment: BENCH_HOOK_SAMPLE (topics for the kafka-topics.sh loop, default 50, 10 with --quick),
 *              BENCH_SCALE (topic counts of the scale series, default 1000,5000,10000),
 *              BENCH_CPU_PROF=1 (V8 CPU profiles of every synchook run, in the work folder),
 *              BENCH_KEEP=1 (keep the work folder), BENCH_IMAGE (image tag for scenario 6).
 */
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureKafkaInstalled, resolveKafkaVersion, startKafka } from '../test/harness/kafka.js';
import { startRegistry } from '../test/harness/registry.js';
import { adminFor, closeAdmin, REPO_ROOT, type BenchContext } from './lib/context.js';
import { describeMachine, machineLines, type Machine } from './lib/machine.js';
import { hasGnuTime } from './lib/measure.js';
import { firstLine, type ScenarioResult } from './lib/results.js';
import { markdownTable, noteLines, targetsMarkdownTable, targetsTextTable, textTable } from './lib/table.js';
import { transpileScript } from './lib/transpile.js';
import { warmUp } from './lib/warm-up.js';
import { coldStartScenario } from './scenarios/cold-start.js';
import { createTopicsScenario } from './scenarios/create-topics.js';
import { changeConfigsScenario } from './scenarios/change-configs.js';
import { imageSizeScenario } from './scenarios/image-size.js';
import { noopSchemasScenario } from './scenarios/noop-schemas.js';
import { noopTopicsScenario } from './scenarios/noop-topics.js';
import { noopScenario } from './scenarios/noop.js';
import { PEER_FIGURES } from './lib/peers.js';
import { registerSubjectsScenario } from './scenarios/register-subjects.js';
import { scaleScenario } from './scenarios/scale.js';
import { smokeScenario } from './scenarios/smoke.js';

const KAFKA_VERSION = '3.9';
const BROKER_JVM_OPTIONS = ['-XX:TieredStopAtLevel=4'];

interface Scenario {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}

// In the order they run: 2, 7 and 9 plan over what 1 and 3 created; 8 changes scenario 1's
// topics, so it comes after the no-ops; cold start first, while the machine has only the idle
// broker and registry on it; the scale series last, as it loads the broker most.
const SCENARIOS: Scenario[] = [
  { id: '5', title: 'Cold start', run: coldStartScenario },
  { id: '1', title: 'PreSync creating topics', run: createTopicsScenario },
  { id: '3', title: 'Registering subjects', run: registerSubjectsScenario },
  { id: '2', title: 'PreSync no-op', run: noopScenario },
  { id: '7', title: 'PreSync no-op, topics', run: noopTopicsScenario },
  { id: '9', title: 'PreSync no-op, subjects', run: noopSchemasScenario },
  { id: '8', title: 'Change one key on 100 topics', run: changeConfigsScenario },
  { id: '4', title: 'PostSync smoke', run: smokeScenario },
  { id: '6', title: 'Image size', run: imageSizeScenario },
  { id: '10', title: 'Scale series', run: scaleScenario },
];

const { values } = parseArgs({ options: { only: { type: 'string' }, reuse: { type: 'string' }, quick: { type: 'boolean', default: false } } });
const quick = values.quick === true;
const only = values.only?.split(',').map((id) => id.trim()).filter(Boolean);
const startedAt = Date.now();
const log = (line: string) => process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

const runId = Date.now().toString(36).slice(-6);
const workDir = join(REPO_ROOT, 'bench', '.work', `run-${runId}`);
mkdirSync(workDir, { recursive: true });

const stops: Array<() => Promise<void>> = [];
let exitCode = 0;
try {
  const services = await startServices(values.reuse);
  stops.push(services.stop);
  const machine = describeMachine({ kafka: services.kafkaVersion, registry: services.registryVersion });
  const hookSample = Number(process.env.BENCH_HOOK_SAMPLE ?? (quick ? 10 : 50));
  if (!Number.isInteger(hookSample) || hookSample < 1) throw new Error(`BENCH_HOOK_SAMPLE=${process.env.BENCH_HOOK_SAMPLE}: expected a whole number of topics, at least 1.`);
  const scale = quick ? [1000] : (process.env.BENCH_SCALE ?? '1000,5000,10000').split(',').map((count) => Number(count.trim()));
  if (scale.some((count) => !Number.isInteger(count) || count < 1)) throw new Error(`BENCH_SCALE=${process.env.BENCH_SCALE}: expected topic counts separated by commas, e.g. 1000,5000,10000.`);
  const cpuProfDir = process.env.BENCH_CPU_PROF === '1' ? join(workDir, 'profiles') : undefined;
  if (!hasGnuTime()) log('GNU time (/usr/bin/time) is not installed: peak RSS is measured for Node processes only (apt-get install -y time)');

  const ctx: BenchContext = {
    runId,
    workDir,
    bootstrap: services.bootstrap,
    registryUrl: services.registryUrl,
    kafka: services.kafkaInstall,
    naiveScript: transpileScript(join(REPO_ROOT, 'bench', 'baselines', 'kafkajs-naive.ts'), join(workDir, 'build')),
    hookSample,
    cpuProfDir,
    log,
    admin: adminFor(services.bootstrap),
    brokerLogDir: services.brokerLogDir,
    quick,
    scale,
    shared: {},
  };
  if (quick) log(`--quick: 1,000 topics only, no naive kafkajs baselines, a kafka-topics.sh sample of ${hookSample}`);

  await warmUp(ctx);
  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS) {
    if (only && !only.includes(scenario.id)) continue;
    try {
      results.push(await scenario.run(ctx));
    } catch (error) {
      exitCode = 1;
      log(`${scenario.id}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
      results.push({ id: scenario.id, title: scenario.title, baselines: [], target: '', notes: [], error: firstLine(error) });
    }
  }
  results.sort((a, b) => Number(a.id) - Number(b.id));
  if (results.some((result) => result.error)) exitCode = 1;
  machine.loadEnd = loadavg();

  process.stdout.write(`\nTargets\n\n${targetsTextTable(results)}\n\nAll figures\n\n${textTable(results)}\n\n${noteLines(results).join('\n')}\n\n${machineLines(machine).join('\n')}\n`);
  // A partial run must not replace the full table; its file outlives the work folder.
  const resultsFile = join(REPO_ROOT, 'bench', only ? join('.work', 'results-partial.md') : 'results.md');
  writeFileSync(resultsFile, resultsMarkdown(results, machine, { hookSample, quick, scale, profiled: cpuProfDir !== undefined, durationMs: Date.now() - startedAt }));
  log(`results written to ${resultsFile}${cpuProfDir ? `; CPU profiles in ${cpuProfDir}` : ''}`);
} catch (error) {
  exitCode = 1;
  log(`the bench could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await closeAdmin().catch(() => undefined);
  for (const stop of stops) await stop().catch((error: unknown) => log(`stopping: ${String(error)}`));
  if (process.env.BENCH_KEEP !== '1' && !process.env.BENCH_CPU_PROF && exitCode === 0) rmSync(workDir, { recursive: true, force: true });
  else log(`work folder kept: ${workDir}`);
}
process.exit(exitCode);

interface Services {
  bootstrap: string;
  registryUrl: string;
  kafkaVersion: string;
  registryVersion: string;
  kafkaInstall: BenchContext['kafka'];
  brokerLogDir?: string;
  stop(): Promise<void>;
}

async function startServices(reuseStateFile: string | undefined): Promise<Services> {
  if (reuseStateFile) {
    const state = JSON.parse(readFileSync(reuseStateFile, 'utf8')) as { kafkaVersion: string; bootstrap: string; registryUrl: string };
    log(`reusing Kafka ${state.kafkaVersion} at ${state.bootstrap} and the registry at ${state.registryUrl} (${reuseStateFile})`);
    const install = await ensureKafkaInstalled(state.kafkaVersion);
    return { bootstrap: state.bootstrap, registryUrl: state.registryUrl, kafkaVersion: state.kafkaVersion, registryVersion: 'reused', kafkaInstall: install, stop: async () => undefined };
  }
  log(`starting Kafka ${resolveKafkaVersion(KAFKA_VERSION)} and the schema registry`);
  // The harness runs its broker with C1 only, for quick test start-ups; a benchmark measures a
  // broker at work, so C2 is back on as on any production JVM (StartKafkaOptions.jvmOptions).
  const [kafka, registry] = await Promise.allSettled([
    // A shared, loaded machine can take minutes to start a JVM broker; a start-up is not measured.
    startKafka({ version: KAFKA_VERSION, jvmOptions: BROKER_JVM_OPTIONS, startTimeoutMs: 300_000 }),
    startRegistry({ compatibility: 'BACKWARD', readyTimeoutMs: 300_000 }),
  ]);
  if (kafka.status === 'rejected' || registry.status === 'rejected') {
    if (kafka.status === 'fulfilled') await kafka.value.stop();
    if (registry.status === 'fulfilled') await registry.value.stop();
    throw kafka.status === 'rejected' ? kafka.reason : (registry as PromiseRejectedResult).reason;
  }
  log(`Kafka ${kafka.value.version} at ${kafka.value.bootstrap}; Apicurio Registry ${registry.value.version} at ${registry.value.url}`);
  const install = await ensureKafkaInstalled(kafka.value.version);
  return {
    bootstrap: kafka.value.bootstrap,
    registryUrl: registry.value.url,
    kafkaVersion: kafka.value.version,
    registryVersion: registry.value.version,
    kafkaInstall: install,
    // The harness's server.properties puts log.dirs here.
    brokerLogDir: join(kafka.value.dataDir, 'kraft-logs'),
    stop: async () => {
      await Promise.allSettled([kafka.value.stop(), registry.value.stop()]);
    },
  };
}

function resultsMarkdown(results: ScenarioResult[], machine: Machine, run: { hookSample: number; quick: boolean; scale: number[]; profiled: boolean; durationMs: number }): string {
  return [
    '# synchook benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts); do not edit by hand. Figures, not assertions: every run on a',
    'shared or different machine gives other numbers. "baseline / synchook" is how many times longer the',
    'baseline took.',
    '',
    '## Machine',
    '',
    ...machineLines(machine),
    `- Bench run: ${run.quick ? '`--quick` (1,000 topics only, no naive kafkajs baselines), ' : `scale series ${run.scale.join(', ')} topics, `}${(run.durationMs / 60_000).toFixed(1)} min, after warming the broker and the registry up (300 topics, 300 subjects, not measured); peak RSS by ${hasGnuTime() ? 'GNU time (`/usr/bin/time -f %M`)' : 'the Node exit hook (GNU time not installed)'}${run.profiled ? '; **CPU profiling was on (BENCH_CPU_PROF=1), which slows every synchook run**' : ''}`,
    '',
    '## Targets',
    '',
    'Each target of the issue, what this run measured and the ratio (measured / limit, or synchook / broker floor).',
    '',
    targetsMarkdownTable(results),
    '',
    '## All figures',
    '',
    markdownTable(results),
    '',
    '## How each figure was measured',
    '',
    ...noteLines(results),
    '',
    ...PEER_FIGURES,
    '',
  ].join('\n');
}
