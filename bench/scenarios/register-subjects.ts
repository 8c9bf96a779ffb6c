/**
 * Scenario 3: registering 1,000 new Avro subjects, against a curl loop (one POST per subject, in
 * sequence), with the registry requests synchook sent per subject. Scenarios 2 and 9 plan over
 * synchook's subjects; scenario 2's baseline re-posts the curl loop's.
 */
import { join } from 'node:path';
import { BASELINES_DIR, describeRequests, requestTotal, runSynchook, type BenchContext, type RequestCounts } from '../lib/context.js';
import { writeConfig, writeSubjectList, writeSubjects, type SubjectFixture } from '../lib/fixtures.js';
import { expectSuccess, measure } from '../lib/measure.js';
import { megabytes, seconds, tryBaseline, type ScenarioResult, type TargetRow } from '../lib/results.js';
import { prepareDir } from './dirs.js';

export const SUBJECT_COUNT = 1000;
const TARGET_RSS_KB = 200 * 1024;
/** The fewest registry requests a new subject takes: a lookup that misses, the registration. */
const NEW_SUBJECT_REQUESTS = 2;

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
    target: `≤ ${NEW_SUBJECT_REQUESTS} registry requests per subject, RSS ≤ 200 MB`,
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

  const perSubject = requestsPerSubject(synchook.requests, SUBJECT_COUNT);
  result.targets = [requestTarget(`register ${SUBJECT_COUNT.toLocaleString('en')} new subjects: registry requests per subject`, perSubject, NEW_SUBJECT_REQUESTS, '(lookup, register)')];
  result.met = (perSubject === undefined || perSubject <= NEW_SUBJECT_REQUESTS) && (synchook.peakRssKb === undefined || synchook.peakRssKb <= TARGET_RSS_KB);
  result.notes.unshift(
    `synchook: \`synchook presync\` with a schemas section naming ${SUBJECT_COUNT} subjects (one .avsc file each, default concurrency), whole process: it checks each subject, then registers it. Registry requests: ${describeRequests(synchook.requests, 'http ')} (${perSubject?.toFixed(2) ?? 'n/a'} per subject), counted inside the process (bench/lib/request-count-hook.mjs).`,
  );
  return result;
}

/** HTTP requests the process sent, per subject; undefined when they were not counted. */
export function requestsPerSubject(requests: RequestCounts | undefined, subjects: number): number | undefined {
  const total = requestTotal(requests, 'http ');
  return total === undefined ? undefined : total / subjects;
}

/** A target row for a request count per subject that must not exceed its minimum. */
export function requestTarget(what: string, perSubject: number | undefined, minimum: number, which: string): TargetRow {
  if (perSubject === undefined) return { what, target: `≤ ${minimum} ${which}`, measured: 'not counted', ratio: '—' };
  return { what, target: `≤ ${minimum} ${which}`, measured: perSubject.toFixed(2), ratio: `${(perSubject / minimum).toFixed(2)}× the minimum`, met: perSubject <= minimum };
}

/**
 * Fails unless every subject has a version in the registry. Asks per subject (8 at a time, not
 * measured): Apicurio's GET /subjects lists at most 1,000 subjects, fewer than a run holds.
 */
export async function expectSubjects(ctx: BenchContext, subjects: SubjectFixture[], who: string): Promise<void> {
  const missing: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < subjects.length) {
      const { subject } = subjects[next++]!;
      const response = await fetch(`${ctx.registryUrl}/subjects/${encodeURIComponent(subject)}/versions/latest`);
      await response.arrayBuffer();
      if (response.status === 404) missing.push(subject);
      else if (!response.ok) throw new Error(`GET ${ctx.registryUrl}/subjects/${subject}/versions/latest: HTTP ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  if (missing.length > 0) throw new Error(`${who} left ${missing.length} of ${subjects.length} subjects unregistered (first: ${missing.sort()[0]})`);
}
