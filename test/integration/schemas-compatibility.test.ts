import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryClient } from '../../src/clients/registry.js';
import type { RegistryConfig } from '../../src/config/common.js';
import { createLogger } from '../../src/log.js';
import { checkCompatibility, describeFindings, isTransitive } from '../../src/tasks/schemas/compat/index.js';
import { resolveSchema } from '../../src/tasks/schemas/formats/index.js';
import { schemaBody, schemaRegistryApi, type SchemaRegistryApi } from '../../src/tasks/schemas/registry-api.js';
import { EVOLUTION_CASES } from '../fixtures/schemas/evolution-cases.js';
import { harness } from '../harness/index.js';

/**
 * The evolution table of the unit suite, through the real registry: its verdicts and synchook's
 * offline verdicts must agree on every case, at every compatibility level.
 */
const RUN = `shc${randomBytes(3).toString('hex')}`;
let api: SchemaRegistryApi;
let globalLevel: string | undefined;

beforeAll(async () => {
  const config = { url: harness().registry.url, timeout: 10_000, retries: 2 } as RegistryConfig;
  api = schemaRegistryApi(createRegistryClient(config, { dir: process.cwd(), log: createLogger({ level: 'silent' }) }), { normalize: true });
  // Histories hold versions a stricter level would refuse, so they are registered under a global
  // NONE; each case's subject then gets its level (NONE cases keep the global NONE: a registry may
  // not accept NONE per subject). The global level is restored afterwards.
  globalLevel = await api.globalConfig();
  await fetch(`${harness().registry.url}/config`, { method: 'PUT', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ compatibility: 'NONE' }) });
});

afterAll(async () => {
  await fetch(`${harness().registry.url}/config`, { method: 'PUT', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ compatibility: globalLevel ?? 'BACKWARD' }) });
});

const parse = (type: 'AVRO' | 'JSON', value: unknown) => resolveSchema({ type, text: JSON.stringify(value), references: [], normalize: true });

describe('offline compatibility verdicts agree with the registry', () => {
  it.each(EVOLUTION_CASES.map((item, index) => [`${item.level} ${item.name}`, item, index] as const))('%s', async (_, item, index) => {
    const subject = `${RUN}-${index}`;
    for (const version of item.history) await api.register(subject, schemaBody(item.type, parse(item.type, version).text, []));
    if (item.level !== 'NONE') await api.setConfig(subject, item.level);
    const candidate = parse(item.type, item.candidate);
    const registry = await api.compatibility(subject, isTransitive(item.level) ? 'all' : 'latest', schemaBody(item.type, candidate.text, []));
    const offline = checkCompatibility(item.level, candidate, item.history.map((version, position) => ({ schema: parse(item.type, version), label: `version ${position + 1}` })));
    expect({ registry: registry.compatible, offline: offline.compatible, why: describeFindings(offline.findings) }).toMatchObject({ registry: item.compatible, offline: item.compatible });
  });
});
