/**
 * The longest delay a Node timer holds: setTimeout takes a signed 32-bit count of milliseconds and
 * fires at once (after a TimeoutOverflowWarning) for anything larger (nodejs.org/api/timers.html).
 */
const MAX_DURATION_MS = 2 ** 31 - 1;
/** MAX_DURATION_MS in the largest unit it holds whole: 596h (24.8 days). */
const MAX_DURATION_TEXT = '596h';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "500ms", "30s", "2m", "1h" and combinations such as "1m30s" into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let total = 0;
  let rest = trimmed;
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!match) return undefined;
    total += Number(match[1]) * UNITS[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return Math.round(total);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

/** Why a parsed duration cannot be used as a timer, or undefined when it can. */
export function durationProblem(ms: number): string | undefined {
  if (ms > MAX_DURATION_MS) return `is longer than the maximum ${MAX_DURATION_TEXT} (a timer cannot wait longer)`;
  return undefined;
}
