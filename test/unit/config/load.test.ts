import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../src/synchook-config.js';
import { ConfigError } from '../../../src/errors.js';
import { scrub } from '../../../src/log.js';

const parse = (text: string, env: Record<string, string> = {}, file = '/tmp/synchook.yaml') => parseConfig(text, { file, displayName: 'synchook.yaml', env });

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config loading', () => {
  it('accepts a minimal config and applies defaults', () => {
    const { config } = parse('cluster:\n  brokers: [127.0.0.1:9092]\n');
    expect(config.environment).toBe('default');
    expect(config.timeout).toBe(600_000);
    expect(config.cluster).toMatchObject({ brokers: ['127.0.0.1:9092'], clientId: 'synchook', connectionTimeout: 10_000, requestTimeout: 30_000, retries: 5 });
  });

  it('names an unknown key with its path, line and column', () => {
    const error = configError(() => parse('cluster:\n  brokers: [a:1]\n  brokerz: [b:2]\n'));
    expect(error.message).toContain('synchook.yaml:3:3');
    expect(error.message).toContain('unknown key cluster.brokerz');
  });

  it('rejects a section of a task that does not exist as an unknown key', () => {
    const error = configError(() => parse('nosuchtask:\n  files: [x]\n'));
    expect(error.message).toContain('unknown key nosuchtask');
  });

  it('reports a YAML syntax error with line and column', () => {
    const error = configError(() => parse('cluster:\n  brokers: [a:1\n  clientId: x\n'));
    expect(error.message).toMatch(/^synchook\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('reports a duplicate key as a YAML error', () => {
    const error = configError(() => parse('environment: dev\nenvironment: prod\n'));
    expect(error.message).toContain('synchook.yaml:2:1');
  });

  it('names the key and the expected type for a wrong type', () => {
    const error = configError(() => parse('cluster:\n  brokers: [a:1]\n  retries: many\n'));
    expect(error.message).toContain('cluster.retries');
    expect(error.message).toContain('synchook.yaml:3:12');
  });

  it('rejects a duration without a unit', () => {
    const error = configError(() => parse('timeout: 30\n'));
    expect(error.message).toContain('timeout');
    expect(error.message).toMatch(/duration/);
  });

  it('rejects a broker that is not host:port', () => {
    const error = configError(() => parse('cluster:\n  brokers: [kafka]\n'));
    expect(error.message).toContain('cluster.brokers[0]');
  });

  it('refuses an empty file and a non-mapping', () => {
    expect(configError(() => parse('')).message).toContain('empty');
    expect(configError(() => parse('- a\n- b\n')).message).toContain('mapping');
  });

  it('names the file when it does not exist', () => {
    const error = configError(() => loadConfig('/nonexistent/synchook.yaml'));
    expect(error.message).toContain('/nonexistent/synchook.yaml: config file not found');
  });
});

describe('environment interpolation', () => {
  it('substitutes ${VAR} and ${VAR:-default}', () => {
    const { config } = parse('environment: ${ENV_NAME}\ncluster:\n  brokers: ${BROKERS:-127.0.0.1:9092}\n  clientId: app-${ENV_NAME}\n', { ENV_NAME: 'staging' });
    expect(config.environment).toBe('staging');
    expect(config.cluster?.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.cluster?.clientId).toBe('app-staging');
  });

  it('splits a comma-separated broker list from one variable', () => {
    const { config } = parse('cluster:\n  brokers: ${KAFKA_BROKERS}\n', { KAFKA_BROKERS: 'a:9092, b:9092,c:9093' });
    expect(config.cluster?.brokers).toEqual(['a:9092', 'b:9092', 'c:9093']);
  });

  it('gives a whole-value reference the type its text has', () => {
    const { config } = parse('cluster:\n  brokers: [a:1]\n  retries: ${RETRIES}\n', { RETRIES: '7' });
    expect(config.cluster?.retries).toBe(7);
  });

  it('names the variable and the key when a variable is not set', () => {
    const error = configError(() => parse('cluster:\n  brokers: [a:1]\n  clientId: ${CLIENT_ID}\n'));
    expect(error.message).toContain('synchook.yaml:3:13: cluster.clientId: environment variable CLIENT_ID is not set');
  });

  it('keeps $${ as a literal', () => {
    const { config } = parse('cluster:\n  brokers: [a:1]\n  clientId: "x-$${NOT_A_VAR}"\n');
    expect(config.cluster?.clientId).toBe('x-${NOT_A_VAR}');
  });

  it('rejects a malformed reference', () => {
    expect(configError(() => parse('environment: ${1BAD}\n')).message).toContain('malformed variable reference');
  });
});

describe('secrets from files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-config-'));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('reads passwordFile relative to the config file and redacts the value everywhere', () => {
    write('kafka-password', 'correct-horse-battery\n');
    const file = write('synchook.yaml', 'cluster:\n  brokers: [a:1]\n  sasl:\n    mechanism: scram-sha-512\n    username: synchook\n    passwordFile: kafka-password\n');
    const { config } = loadConfig(file);
    expect(config.cluster?.sasl?.password).toBe('correct-horse-battery');
    expect(scrub('login with correct-horse-battery failed')).toBe('login with [REDACTED] failed');
  });

  it('redacts the basic-auth header form of a registry password', () => {
    write('registry-password', 'registry-s3cret');
    const file = write('registry.yaml', 'registry:\n  url: http://127.0.0.1:8081\n  basicAuth:\n    username: reader\n    passwordFile: registry-password\n');
    loadConfig(file);
    const header = Buffer.from('reader:registry-s3cret').toString('base64');
    expect(scrub(`authorization: Basic ${header}`)).toBe('authorization: Basic [REDACTED]');
  });

  it('fails with the key when the secret file is missing', () => {
    const file = write('missing.yaml', 'cluster:\n  brokers: [a:1]\n  sasl:\n    mechanism: plain\n    username: u\n    passwordFile: nope.txt\n');
    const error = configError(() => loadConfig(file));
    expect(error.message).toContain('cluster.sasl.passwordFile: secret file nope.txt does not exist');
  });

  it('fails with the key when the secret file is empty', () => {
    write('empty-secret', '\n');
    const file = write('empty.yaml', 'cluster:\n  brokers: [a:1]\n  sasl:\n    mechanism: plain\n    username: u\n    passwordFile: empty-secret\n');
    expect(configError(() => loadConfig(file)).message).toContain('secret file empty-secret is empty');
  });

  it('requires exactly one of password and passwordFile', () => {
    const both = configError(() => parse('cluster:\n  brokers: [a:1]\n  sasl: { mechanism: plain, username: u, password: x1234, passwordFile: f }\n'));
    expect(both.message).toContain('not both');
    const neither = configError(() => parse('cluster:\n  brokers: [a:1]\n  sasl: { mechanism: plain, username: u }\n'));
    expect(neither.message).toContain('password or passwordFile is required');
  });
});
