/** What a scenario hands back, and how figures are written. */

export interface Figure {
  /** What the cell shows, e.g. "4.21 s" or "p99 12 ms, 3.1 s". */
  display: string;
  /** The time compared across approaches, in seconds; undefined when there is none. */
  seconds?: number;
  peakRssKb?: number;
}

export interface BaselineFigure extends Figure {
  /** How the baseline does it, e.g. "kafka-topics.sh per topic". */
  name: string;
  /** True for a baseline the target's ratio is judged against. */
  judged?: boolean;
  /** A reference figure (the least possible here), not a way of doing it: no ratio is shown. */
  reference?: boolean;
}

/** One line of the targets table: a target of the issue, what this run measured, and how far off. */
export interface TargetRow {
  /** What is judged, e.g. "No-op over 1,000 topics, whole process". */
  what: string;
  /** The target, e.g. "≤ 1.0 s". */
  target: string;
  measured: string;
  /** measured / limit (or synchook / floor); "—" when there is nothing to divide. */
  ratio: string;
  /** undefined: not judged in this run (e.g. --quick left the measurement out). */
  met?: boolean;
}

export interface ScenarioResult {
  id: string;
  title: string;
  synchook?: Figure;
  baselines: BaselineFigure[];
  target: string;
  /** undefined: not judged (not measured, or nothing to judge). */
  met?: boolean;
  /** Sentences printed under the table: how it was measured, extrapolations, what missed. */
  notes: string[];
  /** Set when the scenario could not run; the row says so and the bench exits non-zero. */
  error?: string;
  /** The targets this scenario judges, for the targets table. */
  targets?: TargetRow[];
}

/** A target row for "value ≤ limit", with the ratio value / limit. */
export function limitTarget(what: string, value: number | undefined, limit: number, format: (value: number) => string): TargetRow {
  if (value === undefined) return { what, target: `≤ ${format(limit)}`, measured: 'not measured', ratio: '—' };
  return { what, target: `≤ ${format(limit)}`, measured: format(value), ratio: `${(value / limit).toFixed(2)}× the limit`, met: value <= limit };
}

export function seconds(ms: number): string {
  const s = ms / 1000;
  if (s >= 100) return `${s.toFixed(0)} s`;
  if (s >= 10) return `${s.toFixed(1)} s`;
  return `${s.toFixed(2)} s`;
}

export function millis(ms: number): string {
  return ms >= 10_000 ? seconds(ms) : `${Math.round(ms)} ms`;
}

export function megabytes(kb: number | undefined): string {
  return kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`;
}

export function ratio(baselineSeconds: number | undefined, synchookSeconds: number | undefined): string {
  if (baselineSeconds === undefined || synchookSeconds === undefined || synchookSeconds <= 0) return '—';
  const value = baselineSeconds / synchookSeconds;
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}×`;
}

/** The first line of an error, for a table cell. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.slice(0, 160);
}

/**
 * Runs one baseline; a failure becomes its cell ("failed: ...") and the scenario's error, so the
 * other figures of the scenario are still reported.
 */
export async function tryBaseline(result: ScenarioResult, name: string, log: (line: string) => void, run: () => Promise<BaselineFigure>): Promise<BaselineFigure | undefined> {
  try {
    const figure = await run();
    result.baselines.push(figure);
    return figure;
  } catch (error) {
    log(`${result.id}: baseline "${name}" FAILED: ${error instanceof Error ? error.message : String(error)}`);
    result.baselines.push({ name, display: `failed: ${firstLine(error)}` });
    result.error ??= `baseline "${name}" failed`;
    return undefined;
  }
}
