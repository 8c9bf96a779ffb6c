/**
 * Scenario 3: registering 200 new Avro subjects, against a curl loop (one POST per subject, in
 * sequence). Scenario 2 plans over synchook's subjects and re-posts the curl loop's.
 */
import { join } from 'node:path';
import { BASELINES_DIR, runSynchook, type BenchContext } from '../lib/context.js';
import { writeConfig, writeSubjectList, writeSubjects, type SubjectFixture } from '../lib/fixtures.js';
import { expectSuccess, measure } from '../lib/measure.js';
import { megabytes, seconds, tryBaseline, type ScenarioResult } from '../lib/results.js';
import { prepareDir } from './dirs.js';

export const SUBJECT_COUNT = 200;
const TARGET_SECONDS = 5;
const TARGET_RSS_KB = 200 * 1024;

export interface SubjectSets {
  /** synchook's subjects file (relative paths inside resolve against its folder). */
  synchookSubjectsFile: string;
  synchook: SubjectFixture[];
  /** The curl loop's "subject<TAB>payload" list. */
  curlList: string;
  curl: SubjectFixture[];
}

/** Writes both sets of schemas; deterministic per run, so scenario 2 finds them again. */
export function scenarioSubjects(ctx: BenchContext): SubjectSets {
  const dir = prepareDir(ctx, 'subjects');
  const synchook = writeSubjects(join(dir, 'synchook'), `bench-${ctx.runId}-synchook-`, SUBJECT_COUNT);
  const curl = writeSubjects(join(dir, 'curl'), `bench-${ctx.runId}-curl-`, SUBJECT_COUNT);
  const curlList = join(dir, 'curl-subjects.txt');
  writeSubjectList(curlList, curl.subjects);
  return { synchookSubjectsFile: synchook.subjectsFile, synchook: synchook.subjects, curlList, curl: curl.subjects };
}

export async function registerSubjectsScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const sets = scenarioSubjects(ctx);
  const dir = join(ctx.workDir, 'subjects', 'synchook');
  const result: ScenarioResult = {
    id: '3',
    title: `Registering ${SUBJECT_COUNT} new Avro subjects`,
    baselines: [],
    target: `≤ ${TARGET_SECONDS} s, RSS ≤ 200 MB`,
    notes: [],
  };

  const config = writeConfig(dir, 'synchook.yaml', ctx, { schemas: { files: ['subjects.yaml'] } });
  ctx.log(`3: synchook presync registering ${SUBJECT_COUNT} subjects`);
  const synchook = await runSynchook(ctx, ['presync', '--config', config], { label: 'register-subjects' });
  await expectSubjects(ctx, sets.synchook, 'synchook presync');
  result.synchook = { display: seconds(synchook.wallMs), seconds: synchook.wallMs / 1000, peakRssKb: synchook.peakRssKb };

  ctx.log(`3: curl loop registering ${SUBJECT_COUNT} subjects, one POST each`);
  await tryBaseline(result, 'curl loop, 1 POST/subject', ctx.log, async () => {
    const curl = expectSuccess('curl loop', await measure('bash', [join(BASELINES_DIR, 'curl-loop.sh'), ctx.registryUrl, sets.curlList], { scratchDir: ctx.workDir, killAfterMs: 300_000 }));
    await expectSubjects(ctx, sets.curl, 'curl loop');
    result.notes.push(`curl loop: bench/baselines/curl-loop.sh, one \`curl -X POST /subjects/{subject}/versions\` process per subject, in sequence, no compatibility check first; peak RSS ${megabytes(curl.peakRssKb)}.`);
    return { name: 'curl loop, 1 POST/subject', display: seconds(curl.wallMs), seconds: curl.wallMs / 1000, peakRssKb: curl.peakRssKb, judged: true };
  });

  result.met = synchook.wallMs / 1000 <= TARGET_SECONDS && (synchook.peakRssKb === undefined || synchook.peakRssKb <= TARGET_RSS_KB);
  result.notes.unshift(
    `synchook: \`synchook presync\` with a schemas section naming ${SUBJECT_COUNT} subjects (one .avsc file each, default concurrency), whole process: it checks each subject, then registers it.`,
  );
  return result;
}

/** Fails unless every subject has a version in the registry. */
export async function expectSubjects(ctx: BenchContext, subjects: SubjectFixture[], who: string): Promise<void> {
  const response = await fetch(`${ctx.registryUrl}/subjects`);
  if (!response.ok) throw new Error(`GET ${ctx.registryUrl}/subjects: HTTP ${response.status}`);
  const registered = new Set((await response.json()) as string[]);
  const missing = subjects.filter((fixture) => !registered.has(fixture.subject));
  if (missing.length > 0) throw new Error(`${who} left ${missing.length} of ${subjects.length} subjects unregistered (first: ${missing[0]!.subject})`);
}
