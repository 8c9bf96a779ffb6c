import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_INPUT_CASES, type CaseContext } from '../fixtures/bad-input/cases.js';
import { harness } from '../harness/index.js';
import { runCli } from '../harness/run-cli.js';
import { aclsOf, createTopicsAndWait, crashSigns, deleteAclsOf, deleteTopicsWithPrefix, errorMessages, subjectsWithPrefix, superAdmin, topicsWithPrefix, writeWorkspace } from './support.js';

/**
 * The bad-input corpus through the built CLI against the real broker and registry: each case
 * stops with its exit code and one message naming the file and the field, and applies nothing.
 */
const VERSION = process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9';
const RUN = `bi${randomBytes(3).toString('hex')}`;

let admin: Admin;

beforeAll(async () => {
  admin = await superAdmin(harness().kafka.bootstrap);
});

afterAll(async () => {
  await deleteTopicsWithPrefix(admin, RUN);
  for (const item of BAD_INPUT_CASES.filter((candidate) => candidate.acls)) await deleteAclsOf(admin, `User:${RUN}.${item.name}-app`);
  await admin.disconnect();
});

describe(`bad input through the CLI against Kafka ${VERSION}`, () => {
  it('the corpus has at least 40 cases with distinct names', () => {
    expect(BAD_INPUT_CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(BAD_INPUT_CASES.map((item) => item.name)).size).toBe(BAD_INPUT_CASES.length);
  });

  describe.concurrent('each case', () => {
    for (const item of BAD_INPUT_CASES) {
      it(`${item.name}: ${item.input} → exit ${item.exit}, one message naming file and field, nothing applied`, async () => {
        const ctx: CaseContext = { brokers: harness().kafka.bootstrap, registryUrl: harness().registry.url, prefix: `${RUN}.${item.name}` };
        const existing = item.existing?.topic;
        if (existing) {
          await createTopicsAndWait(admin, [
            { topic: `${ctx.prefix}.${existing.suffix}`, numPartitions: existing.partitions, replicationFactor: 1, configEntries: Object.entries(existing.config ?? {}).map(([name, value]) => ({ name, value })) },
          ]);
        }
        const before = await topicsWithPrefix(admin, ctx.prefix);
        const dir = writeWorkspace(item.files(ctx), 'bad-input');
        const result = await runCli([...(item.args ?? ['presync']), '-c', join(dir, item.configArg ?? 'synchook.yaml')], { env: item.env, killAfterMs: 90_000 });
        const output = `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;

        expect(result.code, output).toBe(item.exit);
        expect(crashSigns(result), output).toEqual([]);
        const messages = errorMessages(result);
        expect(messages, output).toHaveLength(1);
        const message = messages[0]!;
        expect(message, 'one line').not.toContain('\n');
        for (const mention of item.mentions(ctx)) {
          if (typeof mention === 'string') expect(message).toContain(mention);
          else expect(message).toMatch(mention);
        }

        // Nothing applied: no topic created or changed, no subject registered, no ACL created.
        const after = await topicsWithPrefix(admin, ctx.prefix);
        expect(Object.fromEntries(after)).toEqual(Object.fromEntries(before));
        expect(await subjectsWithPrefix(ctx.registryUrl, ctx.prefix)).toEqual([]);
        if (item.acls) expect(await aclsOf(admin, `User:${ctx.prefix}-app`)).toEqual([]);
      });
    }
  });
});
