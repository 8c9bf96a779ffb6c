import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/synchook-config.js';
import { ConfigError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { SmokeSection, probeTopicName } from '../../../src/tasks/smoke/config.js';
import { smokeTask } from '../../../src/tasks/smoke/index.js';

const parseSection = (section: unknown) => SmokeSection.safeParse(section);

describe('smoke configuration', () => {
  it('has defaults a first run can live with', () => {
    const parsed = SmokeSection.parse({});
    expect(parsed).toMatchObject({ mode: 'probe-topic', createTopic: true, partitions: 3, messages: 100, messageBytes: 256, batchSize: 50, groupIdPrefix: 'synchook-smoke-', topicConfig: {} });
    expect(parsed.thresholds).toEqual({ maxLoss: 0, maxDuplicates: 0 });
    expect(probeTopicName(parsed, 'staging')).toBe('synchook.probe.staging');
  });

  it('takes latency thresholds as durations', () => {
    expect(SmokeSection.parse({ thresholds: { maxP99: '200ms', maxProduceP99: '1s' } }).thresholds).toMatchObject({ maxP99: 200, maxProduceP99: 1000 });
  });

  it('needs the topic in application-topic mode', () => {
    const result = parseSection({ mode: 'application-topic' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['topic'], message: expect.stringContaining('application-topic mode needs the topic') });
  });

  it('refuses an invalid topic name, a Protobuf message name on Avro, and unknown keys', () => {
    expect(parseSection({ topic: 'bad topic' }).success).toBe(false);
    expect(parseSection({ serde: { type: 'AVRO', subject: 's', message: 'M' } }).error?.issues[0]?.path).toEqual(['serde', 'message']);
    expect(parseSection({ thresholds: { maxP999: '1s' } }).success).toBe(false);
  });

  it('is accepted by the config loader with the common timeout key, with errors naming line and column', () => {
    const { config } = parseConfig('cluster:\n  brokers: [127.0.0.1:9092]\nsmoke:\n  timeout: 45s\n  messages: 1000\n', { file: '/tmp/synchook.yaml', env: {} });
    expect(config.smoke).toMatchObject({ timeout: 45_000, messages: 1000 });
    expect(() => parseConfig('smoke:\n  messages: 0\n', { file: '/tmp/synchook.yaml', env: {} })).toThrow(/synchook\.yaml:2:\d+.*smoke\.messages/);
  });

  it('checks the sample file offline in validate, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synchook-smoke-unit-'));
    writeFileSync(join(dir, 'ok.json'), '{"id": "a"}');
    writeFileSync(join(dir, 'broken.yaml'), 'id: [unclosed\n');
    const ctx = { config: { environment: 'dev' } as never, configDir: dir, log: createLogger({ level: 'silent' }) };
    const ok = await smokeTask.validate!(ctx, SmokeSection.parse({ serde: { type: 'AVRO', subject: 's', sampleFile: 'ok.json' } }));
    expect(ok.checked).toEqual(['smoke: 100 records to synchook.probe.dev (probe-topic, created when missing)', 'smoke: sample record ok.json parses']);
    await expect(smokeTask.validate!(ctx, SmokeSection.parse({ serde: { type: 'AVRO', subject: 's', sampleFile: 'missing.json' } }))).rejects.toThrow(/smoke\.serde\.sampleFile: cannot read missing\.json/);
    await expect(smokeTask.validate!(ctx, SmokeSection.parse({ serde: { type: 'AVRO', subject: 's', sampleFile: 'broken.yaml' } }))).rejects.toBeInstanceOf(ConfigError);
  });
});
