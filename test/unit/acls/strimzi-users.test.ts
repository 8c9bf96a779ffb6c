import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aclsTask } from '../../../src/tasks/acls/index.js';
import { strimziUsers } from '../../../src/tasks/acls/strimzi-users.js';
import { createLogger } from '../../../src/log.js';

const KAFKA_USERS = `apiVersion: kafka.strimzi.io/v1beta2
kind: KafkaUser
metadata: { name: orders-app, labels: { strimzi.io/cluster: shop } }
spec: { authentication: { type: scram-sha-512 } }
---
apiVersion: kafka.strimzi.io/v1beta2
kind: KafkaUser
metadata: { name: billing }
spec: { authentication: { type: tls } }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: orders-app }
`;

const ACLS = `applications:
  - principal: User:orders-app
    produces: [orders.v1]
  - principal: User:reports
    consumes: [orders.v1]
    groups: [reports]
`;

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-strimzi-users-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('KafkaUsers next to the config', () => {
  it('are read with the principal Strimzi gives them (SCRAM: User:<name>, TLS: User:CN=<name>)', () => {
    expect(strimziUsers(folder({ 'users.yaml': KAFKA_USERS, 'topics.yaml': 'topics: []\n' }))).toEqual([
      { principal: 'User:orders-app', name: 'orders-app', file: 'users.yaml' },
      { principal: 'User:CN=billing', name: 'billing', file: 'users.yaml' },
    ]);
  });

  it('make synchook validate warn for each principal whose ACLs the User Operator owns, and only those', async () => {
    const dir = folder({ 'users.yaml': KAFKA_USERS, 'acls.yaml': ACLS });
    const report = await aclsTask.validate!({ config: {} as never, configDir: dir, log: createLogger({ level: 'silent' }) }, { files: ['acls.yaml'], delete: 'forbid' } as never);
    const warnings = report.warnings.filter((warning) => warning.includes('KafkaUser'));
    expect(warnings).toEqual([
      "User:orders-app is declared by KafkaUser orders-app (users.yaml): Strimzi's User Operator makes its ACLs exactly the KafkaUser's authorization section and deletes the ACLs synchook applies. Declare its ACLs in the KafkaUser's spec.authorization and add its file to acls.files (synchook then applies the same ACLs), or drop the principal from acls.",
    ]);
  });

  it('are no concern without any', async () => {
    const report = await aclsTask.validate!({ config: {} as never, configDir: folder({ 'acls.yaml': ACLS }), log: createLogger({ level: 'silent' }) }, { files: ['acls.yaml'], delete: 'forbid' } as never);
    expect(report.warnings.filter((warning) => warning.includes('KafkaUser'))).toEqual([]);
  });
});
