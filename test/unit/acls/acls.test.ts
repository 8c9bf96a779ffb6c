import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { planAclChanges } from '../../../src/tasks/acls/diff.js';
import { expandAppAcls, loadDesiredAcls, type Application } from '../../../src/tasks/acls/load.js';
import { describeAcl, enumName, type AclBinding } from '../../../src/tasks/acls/model.js';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-acls-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function load(text: string) {
  return loadDesiredAcls({ files: ['acls.yaml'] }, dirWith({ 'acls.yaml': text }));
}

function loadError(text: string): string {
  try {
    load(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const app = (extra: Partial<Application>): Application => ({ principal: 'User:orders-app', host: '*', produces: [], consumes: [], groups: [], transactionalIds: [], idempotent: false, ...extra });
const lines = (acls: Array<{ binding: AclBinding }>) => acls.map((acl) => describeAcl(acl.binding)).sort();

describe('application expansion', () => {
  it('expands produce, consume and group into the ACLs Kafka checks', () => {
    const expansion = expandAppAcls(app({ produces: ['orders.v1'], consumes: ['payments.v1'], groups: ['orders-app'] }));
    expect(lines(expansion.acls)).toEqual([
      'ALLOW User:orders-app DESCRIBE TOPIC orders.v1',
      'ALLOW User:orders-app DESCRIBE TOPIC payments.v1',
      'ALLOW User:orders-app READ GROUP orders-app',
      'ALLOW User:orders-app READ TOPIC payments.v1',
      'ALLOW User:orders-app WRITE TOPIC orders.v1',
    ]);
    const write = expansion.acls.find((acl) => acl.binding.operation === 'WRITE')!;
    expect(write.reasons).toEqual(['produces orders.v1 (application User:orders-app)']);
    expect(expansion.warnings).toEqual([]);
  });

  it('grants prefixes, transactional ids and, on request, IDEMPOTENT_WRITE on the cluster', () => {
    const expansion = expandAppAcls(app({ produces: [{ prefix: 'orders.' }], transactionalIds: ['orders-tx'], idempotent: true }));
    expect(lines(expansion.acls)).toEqual([
      'ALLOW User:orders-app DESCRIBE TOPIC prefix orders.',
      'ALLOW User:orders-app DESCRIBE TRANSACTIONAL_ID orders-tx',
      'ALLOW User:orders-app IDEMPOTENT_WRITE CLUSTER kafka-cluster',
      'ALLOW User:orders-app WRITE TOPIC prefix orders.',
      'ALLOW User:orders-app WRITE TRANSACTIONAL_ID orders-tx',
    ]);
    expect(expansion.acls.find((acl) => acl.binding.resourceType === 'TOPIC')!.binding.patternType).toBe('PREFIXED');
  });

  it('keeps one DESCRIBE with both reasons when an application produces and consumes a topic', () => {
    const expansion = expandAppAcls(app({ produces: ['t'], consumes: ['t'], groups: ['g'] }));
    const describe = expansion.acls.filter((acl) => acl.binding.operation === 'DESCRIBE');
    expect(describe).toHaveLength(1);
    expect(describe[0]!.reasons).toEqual(['produces t (application User:orders-app)', 'consumes t (application User:orders-app)']);
  });

  it('warns about a consumer without a group', () => {
    expect(expandAppAcls(app({ consumes: ['t'] })).warnings[0]).toContain('names no consumer group');
  });
});

describe('loadDesiredAcls', () => {
  it('reads explicit ACLs with defaults and CamelCase names, and applications, merging duplicates', () => {
    const desired = load(
      [
        'acls:',
        '  - principal: User:ops',
        '    resourceType: Topic',
        '    resourceName: "*"',
        '    operations: [Describe, DescribeConfigs]',
        '  - principal: User:orders-app',
        '    resourceType: TOPIC',
        '    resourceName: orders.v1',
        '    operation: WRITE',
        '  - principal: User:auditor',
        '    host: 10.0.0.7',
        '    resourceType: transactional-id',
        '    resourceName: audit',
        '    operation: write',
        '    permission: DENY',
        '  - principal: User:ops',
        '    resourceType: CLUSTER',
        '    operation: IdempotentWrite',
        'applications:',
        '  - principal: User:orders-app',
        '    produces: [orders.v1]',
        '',
      ].join('\n'),
    );
    expect(desired.principals).toEqual(['User:ops', 'User:orders-app', 'User:auditor']);
    expect(lines(desired.acls)).toEqual([
      'ALLOW User:ops DESCRIBE TOPIC *',
      'ALLOW User:ops DESCRIBE_CONFIGS TOPIC *',
      'ALLOW User:ops IDEMPOTENT_WRITE CLUSTER kafka-cluster',
      'ALLOW User:orders-app DESCRIBE TOPIC orders.v1',
      'ALLOW User:orders-app WRITE TOPIC orders.v1',
      'DENY User:auditor WRITE TRANSACTIONAL_ID audit from 10.0.0.7',
    ]);
    const write = desired.acls.find((acl) => acl.binding.principal === 'User:orders-app' && acl.binding.operation === 'WRITE')!;
    expect(write.source).toBe('acls.yaml:6:5');
    expect(write.reasons).toEqual(['produces orders.v1 (application User:orders-app)']);
    expect(desired.applications).toEqual([{ principal: 'User:orders-app', source: 'acls.yaml:20:5', acls: 2 }]);
  });

  it('names file, line and field for mistakes', () => {
    expect(loadError('acls:\n  - principal: orders-app\n    resourceType: TOPIC\n    resourceName: t\n    operation: READ\n')).toMatch(/acls\.yaml:2:16: acls\[0\]\.principal: "orders-app" is not a principal; write it as Type:name/);
    expect(loadError('acls:\n  - principal: User:a\n    resourceType: TOPIC\n    resourceName: t\n    operation: FLY\n')).toMatch(/acls\[0\]\.operation: expected one of ALL, READ/);
    expect(loadError('acls:\n  - principal: User:a\n    resourceType: GROUP\n    resourceName: g\n    operation: WRITE\n')).toContain('GROUP supports only ALL, READ, DESCRIBE, DELETE; WRITE means nothing on it');
    expect(loadError('acls:\n  - principal: User:a\n    resourceType: TOPIC\n    operation: READ\n')).toContain('resourceName is required for TOPIC');
    expect(loadError('acls:\n  - principal: User:a\n    resourceType: TOPIC\n    resourceName: t\n')).toContain('operation (or operations) is required');
    expect(loadError('acls:\n  - principal: User:a\n    host: app.example.com\n    resourceType: TOPIC\n    resourceName: t\n    operation: READ\n')).toContain('is not an IP address');
    expect(loadError('acls:\n  - principal: User:a\n    resourceType: CLUSTER\n    resourceName: prod\n    operation: ALTER\n')).toContain('the cluster resource is named kafka-cluster');
    expect(loadError('applications:\n  - principal: User:a\n')).toContain('say what the application does');
    expect(loadError('applications:\n  - principal: User:a\n    produce: [t]\n')).toMatch(/acls\.yaml:3:5: unknown key applications\[0\]\.produce/);
    expect(loadError('applications:\n  - principal: User:a\n    produces: [{ prefx: o. }]\n')).toContain('applications[0].produces[0]');
    expect(loadError('other: 1\n')).toContain('unknown key other');
  });

  it('normalizes enum spellings the way kafka-acls writes them', () => {
    expect(enumName('IdempotentWrite')).toBe('IDEMPOTENT_WRITE');
    expect(enumName('TransactionalId')).toBe('TRANSACTIONAL_ID');
    expect(enumName('describe-configs')).toBe('DESCRIBE_CONFIGS');
    expect(enumName('prefixed')).toBe('PREFIXED');
  });
});

describe('planAclChanges', () => {
  const binding = (principal: string, operation: AclBinding['operation'], resourceName = 't'): AclBinding => ({ principal, host: '*', resourceType: 'TOPIC', resourceName, patternType: 'LITERAL', operation, permission: 'ALLOW' });
  const declared = (b: AclBinding, reasons: string[] = []) => ({ binding: b, source: 'acls.yaml:2:5', reasons });

  it('creates missing ACLs, showing why each exists', () => {
    const plan = planAclChanges([declared(binding('User:a', 'WRITE'), ['produces t (application User:a)']), declared(binding('User:a', 'DESCRIBE'))], [], { managedPrincipals: ['User:a'], explicitScope: false, deleteMode: 'forbid' });
    expect(plan.changes).toEqual([
      { action: 'create', resource: 'acl ALLOW User:a WRITE TOPIC t', detail: 'produces t (application User:a)' },
      { action: 'create', resource: 'acl ALLOW User:a DESCRIBE TOPIC t', detail: 'declared at acls.yaml:2:5' },
    ]);
    expect(plan.violations).toEqual([]);
  });

  it('plans nothing when the cluster has the declared ACLs, and never touches other principals', () => {
    const plan = planAclChanges([declared(binding('User:a', 'READ'))], [binding('User:a', 'READ'), binding('User:other', 'WRITE')], { managedPrincipals: ['User:a'], explicitScope: false, deleteMode: 'managed' });
    expect(plan.changes).toEqual([]);
    expect(plan.violations).toEqual([]);
  });

  it('deletes undeclared ACLs of managed principals only with delete: managed', () => {
    const actual = [binding('User:a', 'READ'), binding('User:a', 'WRITE', 'old'), binding('User:b', 'WRITE')];
    const forbid = planAclChanges([declared(binding('User:a', 'READ'))], actual, { managedPrincipals: ['User:a'], explicitScope: false, deleteMode: 'forbid' });
    expect(forbid.violations).toEqual([expect.objectContaining({ resource: 'acl ALLOW User:a WRITE TOPIC old', rule: 'forbid-delete' })]);
    expect(forbid.state.deletes).toEqual([]);
    const managed = planAclChanges([declared(binding('User:a', 'READ'))], actual, { managedPrincipals: ['User:a'], explicitScope: false, deleteMode: 'managed' });
    expect(managed.state.deletes).toEqual([binding('User:a', 'WRITE', 'old')]);
    expect(managed.changes).toEqual([{ action: 'delete', resource: 'acl ALLOW User:a WRITE TOPIC old', detail: 'no longer declared for User:a' }]);
  });

  it('refuses ACLs of principals outside an explicit managedPrincipals', () => {
    const plan = planAclChanges([declared(binding('User:x', 'READ'))], [], { managedPrincipals: ['User:a'], explicitScope: true, deleteMode: 'forbid' });
    expect(plan.violations).toEqual([expect.objectContaining({ rule: 'outside-managed-scope' })]);
    expect(plan.state.creates).toEqual([]);
  });

  it('removes every ACL of a principal listed in managedPrincipals but no longer declared', () => {
    const plan = planAclChanges([], [binding('User:gone', 'READ')], { managedPrincipals: ['User:gone'], explicitScope: true, deleteMode: 'managed' });
    expect(plan.state.deletes).toHaveLength(1);
  });
});

describe('synchook validate (offline) for acls', () => {
  it('lists each application with the number of ACLs it expands to', async () => {
    const { aclsTask } = await import('../../../src/tasks/acls/index.js');
    const { AclsSection } = await import('../../../src/tasks/acls/config.js');
    const { createLogger } = await import('../../../src/log.js');
    const dir = dirWith({ 'acls.yaml': 'applications:\n  - principal: User:a\n    produces: [t]\n    consumes: [u]\n    groups: [g]\n' });
    const report = await aclsTask.validate!({ config: { environment: 'default', timeout: 600_000 } as never, configDir: dir, log: createLogger({ level: 'silent' }) }, AclsSection.parse({ files: ['acls.yaml'], managedPrincipals: ['User:b'] }));
    expect(report.checked).toEqual(['5 ACLs for 1 principal in 1 file', 'application User:a (acls.yaml:2:5) → 5 ACLs']);
    expect(report.violations).toHaveLength(1);
    expect(report.violations[0]!.rule).toBe('outside-managed-scope');
  });
});
