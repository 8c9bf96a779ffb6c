import { describe, expect, it } from 'vitest';
import { planQuotaChanges, unsettledQuotas } from '../../../src/tasks/quotas/diff.js';
import type { DesiredQuota } from '../../../src/tasks/quotas/model.js';

const desired = (entity: DesiredQuota['entity'], values: Record<string, number>): DesiredQuota => ({ entity, values, source: 'quotas.yaml:2:5' });
const forbid = { deleteMode: 'forbid' as const, prune: false };

describe('planQuotaChanges', () => {
  it('sets only declared keys that differ and leaves keys set by others alone', () => {
    const { changes, state } = planQuotaChanges(
      [desired({ user: 'orders' }, { producer_byte_rate: 2048, consumer_byte_rate: 4096 })],
      [{ entity: { user: 'orders' }, values: { producer_byte_rate: 1024, consumer_byte_rate: 4096, request_percentage: 30 } }],
      forbid,
    );
    expect(state.alterations).toEqual([{ entity: { user: 'orders' }, set: { producer_byte_rate: 2048 }, remove: [] }]);
    expect(changes).toEqual([{ action: 'update', resource: 'quota user orders', lines: ['producer_byte_rate 1024 (1 KiB/s) → 2048 (2 KiB/s)'] }]);
  });

  it('plans nothing when the cluster already matches (values come back as doubles)', () => {
    const { changes, state } = planQuotaChanges([desired({ clientId: 'batch' }, { request_percentage: 12.5 })], [{ entity: { clientId: 'batch' }, values: { request_percentage: 12.5 } }], forbid);
    expect(changes).toEqual([]);
    expect(state.alterations).toEqual([]);
  });

  it('prune removes undeclared keys of declared entities only', () => {
    const { state } = planQuotaChanges(
      [desired({ user: 'orders' }, { producer_byte_rate: 1024 })],
      [
        { entity: { user: 'orders' }, values: { producer_byte_rate: 1024, consumer_byte_rate: 9 } },
        { entity: { user: 'other' }, values: { consumer_byte_rate: 9 } },
      ],
      { ...forbid, prune: true },
    );
    expect(state.alterations).toEqual([{ entity: { user: 'orders' }, set: {}, remove: ['consumer_byte_rate'] }]);
  });

  it('keeps user, user + client-id and default entities apart', () => {
    const { state } = planQuotaChanges(
      [desired({ user: 'orders', clientId: 'p1' }, { producer_byte_rate: 10 }), desired({ user: null }, { producer_byte_rate: 20 })],
      [{ entity: { user: 'orders' }, values: { producer_byte_rate: 10 } }],
      forbid,
    );
    expect(state.kinds).toEqual({ 'user=orders,client-id=p1': 'create', 'user=<default>': 'create' });
  });

  it('touches undeclared entities only inside managedPrefix: a violation under forbid, a removal under managed; defaults never', () => {
    const actual = [
      { entity: { user: 'orders-old' }, values: { producer_byte_rate: 10 } },
      { entity: { user: 'orders-old', clientId: 'elsewhere' }, values: { producer_byte_rate: 10 } },
      { entity: { user: null }, values: { producer_byte_rate: 10 } },
      { entity: { user: 'payments' }, values: { producer_byte_rate: 10 } },
    ];
    const forbidden = planQuotaChanges([], actual, { ...forbid, managedPrefixes: ['orders-'] });
    expect(forbidden.violations.map((violation) => violation.resource)).toEqual(['quota user orders-old']);
    expect(forbidden.state.alterations).toEqual([]);
    const managed = planQuotaChanges([], actual, { deleteMode: 'managed', prune: false, managedPrefixes: ['orders-'] });
    expect(managed.state.alterations).toEqual([{ entity: { user: 'orders-old' }, set: {}, remove: ['producer_byte_rate'] }]);
    expect(managed.changes[0]).toMatchObject({ action: 'delete', resource: 'quota user orders-old' });
  });

  it('reports entities the cluster does not show yet', () => {
    const { state } = planQuotaChanges([desired({ user: 'orders' }, { producer_byte_rate: 10 })], [], forbid);
    expect(unsettledQuotas(state, [])).toEqual(['user orders']);
    expect(unsettledQuotas(state, [{ entity: { user: 'orders' }, values: { producer_byte_rate: 10 } }])).toEqual([]);
  });
});
