import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/synchook-config.js';
import { HealthSection } from '../../../src/tasks/health/config.js';

describe('health configuration', () => {
  it('fills group defaults', () => {
    const parsed = HealthSection.parse({ consumerGroups: [{ group: 'orders' }] });
    expect(parsed).toMatchObject({ topics: [], fromTopicsSection: false, underReplicated: 'deny' });
    expect(parsed.consumerGroups[0]).toEqual({ group: 'orders', minMembers: 1, maxLag: 1000, waitFor: 60_000, withoutCommittedOffset: 'lag-from-start' });
  });

  it('refuses a section with nothing to check, and groups or topics listed twice', () => {
    expect(HealthSection.safeParse({}).error?.issues[0]?.message).toContain('health has nothing to check');
    expect(HealthSection.safeParse({ consumerGroups: [{ group: 'g' }, { group: 'g' }] }).error?.issues[0]).toMatchObject({ path: ['consumerGroups', 1, 'group'] });
    expect(HealthSection.safeParse({ topics: [{ name: 't' }, { name: 't' }] }).error?.issues[0]).toMatchObject({ path: ['topics', 1, 'name'] });
  });

  it('is accepted by the config loader, with errors naming the key, line and column', () => {
    const { config } = parseConfig('health:\n  timeout: 2m\n  consumerGroups:\n    - group: orders\n      waitFor: 30s\n', { file: '/tmp/synchook.yaml', env: {} });
    expect(config.health).toMatchObject({ timeout: 120_000, consumerGroups: [{ group: 'orders', waitFor: 30_000 }] });
    expect(() => parseConfig('health:\n  consumerGroups:\n    - group: orders\n      maxlag: 3\n', { file: '/tmp/synchook.yaml', env: {} })).toThrow(/synchook\.yaml:4:7.*maxlag/);
  });
});
