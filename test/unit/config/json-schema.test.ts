import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { synchookJsonSchema as configJsonSchema } from '../../../src/synchook-config.js';

const published = JSON.parse(readFileSync(new URL('../../../schema/synchook.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('published JSON Schema of the config', () => {
  it('is the one generated from the validation schema (run `npm run schema` after changing the config)', () => {
    expect(published).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });

  it('lets an editor accept a valid config and flag an unknown key', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(published);
    expect(validate({ environment: 'dev', cluster: { brokers: ['127.0.0.1:9092'], sasl: { mechanism: 'scram-sha-512', username: 'u', passwordFile: '/secrets/p' } } })).toBe(true);
    expect(validate({ cluster: { brokers: ['127.0.0.1:9092'], brokerz: [] } })).toBe(false);
    expect(validate.errors?.[0]?.keyword).toBe('additionalProperties');
  });
});
