import { describe, expect, it } from 'vitest';
import { ConsumerGroupExpectation } from '../../../src/tasks/health/config.js';
import type { GroupResult } from '../../../src/tasks/health/groups.js';
import { partitionLags } from '../../../src/tasks/health/lag.js';
import { healthOutcome } from '../../../src/tasks/health/report.js';

const group = (name: string, lags: GroupResult['lags'], ready = true): GroupResult => ({
  group: name,
  expectation: ConsumerGroupExpectation.parse({ group: name }),
  snapshot: { state: ready ? 'Stable' : 'Empty', members: ready ? 2 : 0, assignedTopics: ['orders'] },
  ready,
  waitedMs: 120,
  lags,
  violations: [],
  warnings: [],
});

describe('health outcome', () => {
  it('reads like "3 topics ok, 2 groups ready, lag ≤ 4" with a table of groups and their worst partitions', () => {
    const lags = partitionLags('orders', [{ partition: 0, low: '0', high: '10' }, { partition: 1, low: '0', high: '20' }], [{ partition: 0, offset: '10' }, { partition: 1, offset: '16' }], 'lag-from-start');
    const outcome = healthOutcome(
      [{ name: 'orders', source: 's' }, { name: 'payments', source: 's' }, { name: 'refunds', source: 's' }],
      { violations: [], warnings: [], healthy: 3, partitions: 9, offline: 0, underReplicated: 0 },
      [group('orders-service', lags), group('billing', [])],
    );
    expect(outcome.summary).toBe('3/3 topics ok (9 partitions), 2/2 groups ready, lag ≤ 4');
    expect(outcome.figures).toMatchObject({ topics: 3, topicsHealthy: 3, groups: 2, groupsReady: 2, maxLag: 4, totalLag: 4 });
    expect(outcome.details).toEqual([
      'topics: 3/3 healthy, 9 partitions, 0 offline, 0 under-replicated',
      'group           state               members partitions  max lag  total lag   waited',
      'orders-service  Stable                    2          2        4          4   120 ms',
      '  orders[1] lag 4: committed 16, end 20',
      'billing         Stable                    2          0        -          -   120 ms',
    ]);
  });
});
