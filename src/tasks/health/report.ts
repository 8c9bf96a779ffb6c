import { formatDuration } from '../../duration.js';
import type { TaskOutcome } from '../types.js';
import { describeLag, type GroupResult } from './groups.js';
import { maxLag, totalLag, worstPartitions } from './lag.js';
import type { TopicCheck, TopicVerdict } from './topics.js';

const WORST_SHOWN = 3;

/** The health outcome: "3 topics ok, 2 groups Stable, lag ≤ 4", a small table, the violations. */
export function healthOutcome(checks: readonly TopicCheck[], topics: TopicVerdict, groups: readonly GroupResult[]): TaskOutcome {
  const parts: string[] = [];
  if (checks.length > 0) parts.push(`${topics.healthy}/${checks.length} topics ok${topics.partitions > 0 ? ` (${topics.partitions} partitions)` : ''}`);
  if (topics.underReplicated > 0) parts.push(`${topics.underReplicated} under-replicated`);
  if (groups.length > 0) {
    const ready = groups.filter((group) => group.ready).length;
    parts.push(`${ready}/${groups.length} group${groups.length === 1 ? '' : 's'} ready`);
    const measured = groups.filter((group) => group.lags.length > 0);
    if (measured.length > 0) parts.push(`lag ≤ ${measured.map((group) => maxLag(group.lags)).reduce((a, b) => (a > b ? a : b), 0n)}`);
  }
  const figures: Record<string, number | string> = {
    topics: checks.length,
    topicsHealthy: topics.healthy,
    partitions: topics.partitions,
    offlinePartitions: topics.offline,
    underReplicatedPartitions: topics.underReplicated,
    groups: groups.length,
    groupsReady: groups.filter((group) => group.ready).length,
  };
  const lags = groups.flatMap((group) => group.lags);
  if (lags.length > 0) {
    figures.maxLag = Number(maxLag(lags));
    figures.totalLag = Number(totalLag(lags));
  }
  return {
    summary: parts.join(', ') || 'nothing to check',
    figures,
    violations: [...topics.violations, ...groups.flatMap((group) => group.violations)],
    warnings: [...topics.warnings, ...groups.flatMap((group) => group.warnings)],
    details: healthDetails(checks, topics, groups),
  };
}

function healthDetails(checks: readonly TopicCheck[], topics: TopicVerdict, groups: readonly GroupResult[]): string[] {
  const lines: string[] = [];
  if (checks.length > 0) {
    lines.push(`topics: ${topics.healthy}/${checks.length} healthy, ${topics.partitions} partitions, ${topics.offline} offline, ${topics.underReplicated} under-replicated`);
  }
  if (groups.length > 0) {
    const width = Math.max(5, ...groups.map((group) => group.group.length));
    lines.push(`${'group'.padEnd(width)}  ${'state'.padEnd(19)}${'members'.padStart(8)}${'partitions'.padStart(11)}${'max lag'.padStart(9)}${'total lag'.padStart(11)}   waited`);
    for (const group of groups) {
      const measured = group.lags.length > 0;
      lines.push(
        `${group.group.padEnd(width)}  ${group.snapshot.state.padEnd(19)}${String(group.snapshot.members).padStart(8)}${String(group.lags.length).padStart(11)}${(measured ? String(maxLag(group.lags)) : '-').padStart(9)}${(measured ? String(totalLag(group.lags)) : '-').padStart(11)}   ${formatDuration(group.waitedMs)}`,
      );
      for (const entry of worstPartitions(group.lags.filter((lag) => lag.lag > 0n), WORST_SHOWN)) lines.push(`  ${describeLag(entry)}`);
    }
  }
  return lines;
}
