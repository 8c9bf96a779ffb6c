import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planConnectorChanges, type ActualConnector } from '../../../src/tasks/connectors/diff.js';
import { loadDesiredConnectors } from '../../../src/tasks/connectors/load.js';
import type { DesiredConnector } from '../../../src/tasks/connectors/model.js';
import { configDiffLines, isSecretKey } from '../../../src/tasks/connectors/secrets.js';
import { judgeStatus } from '../../../src/tasks/connectors/wait.js';
import { ConfigError } from '../../../src/errors.js';

function desired(name: string, config: Record<string, string>, state: DesiredConnector['state'] = 'running'): DesiredConnector {
  return { name, cluster: 'main', className: 'FileStreamSource', state, config: { ...config, 'connector.class': 'FileStreamSource', name }, source: `c.yaml:${name}`, file: 'c.yaml', format: 'synchook' };
}

const actualOf = (entries: Record<string, ActualConnector>) => new Map([['main', new Map(Object.entries(entries))]]);

describe('connector plan', () => {
  it('plans nothing when config and state match', () => {
    const connector = desired('a', { topic: 't' });
    const result = planConnectorChanges([connector], actualOf({ a: { config: connector.config, workerState: 'RUNNING' } }), { managedPrefixes: [], deleteMode: 'forbid' });
    expect(result.changes).toEqual([]);
    expect(result.steps).toEqual([]);
    expect(result.toValidate).toEqual([]);
  });

  it('creates, updates with a key diff, and changes state without validating an unchanged config', () => {
    const a = desired('a', { topic: 't2' });
    const b = desired('b', { topic: 't' }, 'paused');
    const c = desired('c', { topic: 't' });
    const result = planConnectorChanges([a, b, c], actualOf({ a: { config: { ...a.config, topic: 't1' }, workerState: 'RUNNING' }, b: { config: b.config, workerState: 'RUNNING' } }), { managedPrefixes: [], deleteMode: 'forbid' });
    expect(result.changes.map((change) => [change.action, change.resource, change.detail])).toEqual([
      ['update', 'connector a (main)', '1 config key'],
      ['update', 'connector b (main)', 'state running → paused'],
      ['create', 'connector c (main)', 'FileStreamSource'],
    ]);
    expect(result.changes[0]!.lines).toEqual(['topic: "t1" → "t2"']);
    expect(result.toValidate.map((connector) => connector.name)).toEqual(['a', 'c']);
    expect(result.steps.find((step) => step.name === 'b')).toMatchObject({ config: undefined, stateChange: 'paused', waitFor: 'paused' });
  });

  it('deletes an undeclared connector only under the managed prefix and only with delete: managed', () => {
    const actual = actualOf({ 'app-old': { config: {}, workerState: 'RUNNING' }, 'other-x': { config: {}, workerState: 'RUNNING' } });
    const forbid = planConnectorChanges([], actual, { managedPrefixes: ['app-'], deleteMode: 'forbid' });
    expect(forbid.violations.map((violation) => violation.resource)).toEqual(['connector app-old (main)']);
    expect(forbid.steps).toEqual([]);
    const managed = planConnectorChanges([], actual, { managedPrefixes: ['app-'], deleteMode: 'managed' });
    expect(managed.violations).toEqual([]);
    expect(managed.steps).toEqual([{ cluster: 'main', name: 'app-old', delete: true }]);
  });
});

describe('connector config diff', () => {
  it('masks secret values and prints provider references as written', () => {
    const lines = configDiffLines(
      { 'connection.password': 'old-pw', 'ssl.key': 'k1', 'key.converter': 'a', 'db.secret': '${file:/s.properties:a}' },
      { 'connection.password': 'new-pw', 'ssl.key': 'k1', 'key.converter': 'b', 'db.secret': '${file:/s.properties:b}', 'api.token': 'tok' },
    );
    expect(lines).toEqual([
      '+ api.token: (secret)',
      'connection.password: (secret changed)',
      'db.secret: ${file:/s.properties:a} → ${file:/s.properties:b}',
      'key.converter: "a" → "b"',
    ]);
    expect(lines.join('\n')).not.toMatch(/old-pw|new-pw|tok\b/);
    expect(isSecretKey('sasl.jaas.config')).toBe(true);
    expect(isSecretKey('key.converter')).toBe(false);
  });
});

describe('connector status', () => {
  const status = (connector: string, tasks: string[]) => ({ name: 'a', connector: { state: connector }, tasks: tasks.map((state, id) => ({ id, state, trace: 'org.example.Boom: no\n\tat A\n\tat B\n\tat C\n\tat D\n\tat E' })) });
  it('reaches running with every task running, and reports a failed task with the first trace lines', () => {
    expect(judgeStatus(status('RUNNING', ['RUNNING']), 'running')).toEqual({ reached: true });
    expect(judgeStatus(status('RUNNING', []), 'running')).toEqual({ reached: false });
    expect(judgeStatus(status('STOPPED', []), 'stopped')).toEqual({ reached: true });
    expect(judgeStatus(status('PAUSED', []), 'paused')).toEqual({ reached: true });
    const failed = judgeStatus(status('RUNNING', ['RUNNING', 'FAILED']), 'running');
    expect(failed.failure).toBe('task 1 FAILED on its worker: org.example.Boom: no | at A | at B | at C');
  });
});

describe('connector declarations', () => {
  const write = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'synchook-connectors-unit-'));
    writeFileSync(join(dir, 'c.yaml'), text);
    return dir;
  };

  it('reads synchook entries and Strimzi KafkaConnector resources of both API versions', () => {
    const dir = write([
      'connectors:',
      '  - name: own',
      '    class: FileStreamSource',
      '    tasksMax: 2',
      '    config: { topic: t, batch.size: 10, file: "${file:/s:f}" }',
      '---',
      'apiVersion: kafka.strimzi.io/v1beta2',
      'kind: KafkaConnector',
      'metadata: { name: beta, labels: { strimzi.io/cluster: main } }',
      'spec: { class: FileStreamSink, pause: true, config: { topics: t } }',
      '---',
      'apiVersion: kafka.strimzi.io/v1',
      'kind: KafkaConnector',
      'metadata: { name: v1 }',
      'spec: { class: FileStreamSink, state: stopped, tasksMax: 1 }',
    ].join('\n'));
    const { connectors } = loadDesiredConnectors(['c.yaml'], dir, ['main']);
    expect(connectors.map((connector) => [connector.name, connector.state, connector.format])).toEqual([['own', 'running', 'synchook'], ['beta', 'paused', 'strimzi'], ['v1', 'stopped', 'strimzi']]);
    expect(connectors[0]!.config).toEqual({ topic: 't', 'batch.size': '10', file: '${file:/s:f}', 'connector.class': 'FileStreamSource', 'tasks.max': '2', name: 'own' });
  });

  it('refuses keys synchook sets itself, unknown clusters and spec.pause in v1', () => {
    expect(() => loadDesiredConnectors(['c.yaml'], write('connectors:\n  - { name: a, class: X, config: { tasks.max: 3 } }\n'), ['main'])).toThrow(/set tasks\.max with the tasksMax field/);
    expect(() => loadDesiredConnectors(['c.yaml'], write('connectors:\n  - { name: a, class: X, cluster: nope }\n'), ['main'])).toThrow(ConfigError);
    expect(() => loadDesiredConnectors(['c.yaml'], write('apiVersion: kafka.strimzi.io/v1\nkind: KafkaConnector\nmetadata: { name: a }\nspec: { class: X, pause: true }\n'), ['main'])).toThrow(/spec\.pause exists only in kafka\.strimzi\.io\/v1beta2/);
  });
});
