/**
 * Scenario 9: a PreSync with nothing to do over scenario 3's 1,000 subjects alone, as a whole
 * process, with the registry requests it sent per subject.
 */
import { basename, dirname } from 'node:path';
import { describeRequests, type BenchContext } from '../lib/context.js';
import { writeConfig } from '../lib/fixtures.js';
import { seconds, type ScenarioResult } from '../lib/results.js';
import { measureNoop } from './noop.js';
import { expectSubjects, requestsPerSubject, requestTarget, scenarioSubjects, SUBJECT_COUNT } from './register-subjects.js';

/** The fewest registry requests a subject already in place takes: one lookup. */
const NOOP_SUBJECT_REQUESTS = 1;

export async function noopSchemasScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const subjects = scenarioSubjects(ctx);
  const result: ScenarioResult = {
    id: '9',
    title: `PreSync no-op, ${SUBJECT_COUNT.toLocaleString('en')} subjects`,
    baselines: [],
    target: `≤ ${NOOP_SUBJECT_REQUESTS} registry request per subject`,
    notes: [],
  };
  await expectSubjects(ctx, subjects.synchook, 'scenario 3 (needed by scenario 9)');
  const dir = dirname(subjects.synchookSubjectsFile);
  const config = writeConfig(dir, 'noop-schemas.yaml', ctx, { schemas: { files: [basename(subjects.synchookSubjectsFile)] } });
  const noop = await measureNoop(ctx, config, { label: 'noop-schemas', tasks: 1, log: `9: synchook presync with nothing to do over ${SUBJECT_COUNT} subjects` });
  result.synchook = { display: `${seconds(noop.wallMs)} (median of ${noop.runs.length})`, seconds: noop.wallMs / 1000, peakRssKb: noop.rssKb };
  const perSubject = Math.max(...noop.runs.map((run) => requestsPerSubject(run.requests, SUBJECT_COUNT) ?? Number.NaN));
  const counted = Number.isFinite(perSubject) ? perSubject : undefined;
  result.targets = [requestTarget(`no-op over ${SUBJECT_COUNT.toLocaleString('en')} subjects: registry requests per subject`, counted, NOOP_SUBJECT_REQUESTS, '(lookup)')];
  result.met = counted === undefined ? undefined : counted <= NOOP_SUBJECT_REQUESTS;
  result.notes.push(
    `synchook: \`synchook presync\` with scenario 3's ${SUBJECT_COUNT} subjects, all registered: read the schemas, look each subject up, plan nothing, exit. Median of ${noop.runs.length} runs (${noop.runs.map((run) => seconds(run.wallMs)).join(', ')}). Registry requests of the last run: ${describeRequests(noop.runs.at(-1)?.requests, 'http ')}; the most per subject in any run ${counted?.toFixed(2) ?? 'n/a'}.`,
  );
  return result;
}
