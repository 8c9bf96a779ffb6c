import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { countActions, describeCounts, type ActionCounts } from '../../../src/tasks/terraform/counts.js';
import { parsePlanJson, readPlanFile } from '../../../src/tasks/terraform/plan-json.js';
import { FIXTURES } from '../../fixtures/terraform/scenarios.js';
import { loadRealPlan, loadSharedPlan } from '../../fixtures/terraform/retype.js';

type Expected = Partial<ActionCounts> & { format: string; terraform: string };

/** Every plan written by a real Terraform 0.12.11 to 1.13, with what it holds. */
const SHARED_PLANS: Record<string, Expected> = {
  'basic.json': { format: '0.1', terraform: '0.12.11', create: 7, read: 1, outputs: 8 },
  'deep_module.json': { format: '0.1', terraform: '0.12.11', create: 1 },
  'explicit_null.json': { format: '0.1', terraform: '0.12.11', create: 3 },
  'no_changes.json': { format: '0.1', terraform: '0.12.11', 'no-op': 6, outputs: 8 },
  '110_basic.json': { format: '1.0', terraform: '1.1.0-dev', create: 7, outputs: 8 },
  '120_basic.json': { format: '1.1', terraform: '1.2.0-rc1', create: 7, outputs: 8 },
  'moved_block.json': { format: '1.2', terraform: '1.5.3', 'no-op': 1, moved: 1 },
  'has_checks.json': { format: '1.2', terraform: '1.5.4', create: 2 },
  'numerics.json': { format: '1.2', terraform: '1.6.5', create: 1 },
  'identity.json': { format: '1.2', terraform: '1.13.0-dev', update: 1, imported: 1 },
};

const ZERO: ActionCounts = { create: 0, read: 0, update: 0, replace: 0, delete: 0, forget: 0, 'no-op': 0, unknown: 0, moved: 0, imported: 0, drifted: 0, deferred: 0, outputs: 0 };

describe('plan JSON written by Terraform 0.12 to 1.13', () => {
  it('has an expectation for every shared plan file', () => {
    const files = readdirSync(join(FIXTURES, 'shared-plans')).filter((file) => file.endsWith('.json')).sort();
    expect(files).toEqual(Object.keys(SHARED_PLANS).sort());
  });

  for (const [file, expected] of Object.entries(SHARED_PLANS)) {
    it(`reads ${file} (format ${expected.format}, Terraform ${expected.terraform}) and counts its actions`, () => {
      const plan = parsePlanJson(loadSharedPlan(file), file);
      const { format, terraform, ...counts } = expected;
      expect(plan.formatVersion).toBe(format);
      expect(plan.terraformVersion).toBe(terraform);
      expect(countActions(plan)).toEqual({ ...ZERO, ...counts });
    });
  }

  it('keeps the previous address of a moved resource and the import of an imported one', () => {
    const moved = parsePlanJson(loadSharedPlan('moved_block.json'), 'moved_block.json').resourceChanges[0]!;
    expect(moved).toMatchObject({ address: 'random_id.test2', previousAddress: 'random_id.test', kind: 'no-op' });
    const imported = parsePlanJson(loadSharedPlan('identity.json'), 'identity.json').resourceChanges[0]!;
    expect(imported).toMatchObject({ address: 'corner_user_identity.user', kind: 'update', importing: { identity: { email: 'a@example.com' } } });
  });

  it('tells data source reads from managed resources', () => {
    const plan = parsePlanJson(loadSharedPlan('basic.json'), 'basic.json');
    expect(plan.resourceChanges.find((change) => change.kind === 'read')).toMatchObject({ address: 'data.null_data_source.baz', mode: 'data' });
    expect(describeCounts(countActions(plan))).toBe('7 to create; 1 data source read, 8 outputs to change');
  });
});

describe('plan JSON made by Terraform 1.5.7 with terraform_data', () => {
  it('counts creates, no-ops and every kind of change in the mixed plan', () => {
    expect(countActions(parsePlanJson(JSON.stringify(loadRealPlan('create')), 'create.json'))).toEqual({ ...ZERO, create: 10 });
    expect(countActions(parsePlanJson(JSON.stringify(loadRealPlan('noop')), 'noop.json'))).toEqual({ ...ZERO, 'no-op': 11 });
    const mixed = parsePlanJson(JSON.stringify(loadRealPlan('mixed')), 'mixed.json');
    expect(countActions(mixed)).toEqual({ ...ZERO, create: 1, update: 1, replace: 5, delete: 2, 'no-op': 3, moved: 1 });
    expect(describeCounts(countActions(mixed))).toBe('1 to create, 1 to update, 5 to replace, 2 to delete; 1 moved; 3 unchanged');
  });

  it('reads both orders of a replacement, with the reason and the attribute that forced it', () => {
    const mixed = parsePlanJson(JSON.stringify(loadRealPlan('mixed')), 'mixed.json');
    const byAddress = new Map(mixed.resourceChanges.map((change) => [change.address, change]));
    expect(byAddress.get('terraform_data.replaced')).toMatchObject({ kind: 'replace', replaceOrder: 'delete-then-create', actionReason: 'replace_because_cannot_update', replacePaths: [['triggers_replace']] });
    expect(byAddress.get('terraform_data.replaced_cbd')).toMatchObject({ kind: 'replace', replaceOrder: 'create-then-delete' });
    expect(byAddress.get('terraform_data.tainted')).toMatchObject({ kind: 'replace', actionReason: 'replace_because_tainted' });
    expect(byAddress.get('terraform_data.requested')).toMatchObject({ kind: 'replace', actionReason: 'replace_by_request' });
    expect(byAddress.get('terraform_data.triggered')).toMatchObject({ kind: 'replace', actionReason: 'replace_by_triggers' });
    expect(byAddress.get('terraform_data.deleted')).toMatchObject({ kind: 'delete', actionReason: 'delete_because_no_resource_config' });
    expect(byAddress.get('terraform_data.counted[1]')).toMatchObject({ kind: 'delete', actionReason: 'delete_because_count_index' });
  });
});

describe('forward and backward compatibility', () => {
  const minimal = (extra: Record<string, unknown>) =>
    JSON.stringify({
      format_version: '1.2',
      resource_changes: [{ address: 'kafka_topic.a', mode: 'managed', type: 'kafka_topic', name: 'a', change: { actions: ['create'], before: null, after: {} } }],
      ...extra,
    });

  it('accepts any minor version of format 1 and ignores keys it does not know', () => {
    const text = JSON.stringify({
      format_version: '1.9',
      terraform_version: '1.99.0',
      some_future_section: { anything: [1, 2, 3] },
      resource_changes: [{ address: 'kafka_topic.a', type: 'kafka_topic', name: 'a', new_field: true, change: { actions: ['create'], future: 'x' } }],
    });
    expect(countActions(parsePlanJson(text, 'future.json'))).toMatchObject({ create: 1 });
  });

  it('accepts a plan wrapped as { "plan": ... }', () => {
    const wrapped = JSON.stringify({ plan: JSON.parse(minimal({})), run_id: 'run-123' });
    expect(parsePlanJson(wrapped, 'wrapped.json').resourceChanges).toHaveLength(1);
  });

  it('accepts a byte order mark and a plan without resource_changes', () => {
    expect(parsePlanJson(`\uFEFF${minimal({})}`, 'bom.json').resourceChanges).toHaveLength(1);
    expect(parsePlanJson(JSON.stringify({ format_version: '0.1', planned_values: {} }), 'empty.json').resourceChanges).toEqual([]);
  });

  it('reads errored, applyable, complete and deferred changes written by Terraform 1.8+', () => {
    const plan = parsePlanJson(minimal({ errored: true, applyable: false, complete: false, deferred_changes: [{ reason: 'provider_config_unknown', resource_change: {} }] }), 'new.json');
    expect(plan).toMatchObject({ errored: true, applyable: false, complete: false, deferredChanges: 1 });
  });

  it('rejects another major version, naming the file and what to do', () => {
    expect(() => parsePlanJson(minimal({ format_version: '2.0' }), 'tfplan.json')).toThrow(ConfigError);
    expect(() => parsePlanJson(minimal({ format_version: '2.0' }), 'tfplan.json')).toThrow(/tfplan\.json: format_version "2\.0" is not supported \(synchook reads plan JSON format 0\.x and 1\.x\)/);
  });
});

describe('input that is not a plan', () => {
  const rejects = (text: string, pattern: RegExp) => {
    expect(() => parsePlanJson(text, 'tfplan.json')).toThrow(ConfigError);
    expect(() => parsePlanJson(text, 'tfplan.json')).toThrow(pattern);
  };

  it('names the file for invalid JSON, and recognises the human-readable plan', () => {
    rejects('{"format_version": ', /^tfplan\.json: not valid JSON/);
    rejects('Terraform used the selected providers to generate the following execution plan.', /human-readable plan: use `terraform show -json tfplan`/);
  });

  it('recognises a state file', () => {
    rejects(JSON.stringify({ format_version: '1.0', terraform_version: '1.5.7', values: { root_module: {} } }), /this is a state, not a plan/);
  });

  it('names the field that is wrong', () => {
    rejects(JSON.stringify({ terraform_version: '1.5.7' }), /tfplan\.json: format_version: missing or not a string/);
    rejects(JSON.stringify({ format_version: '1.2', resource_changes: [{ address: 'a.b', type: 'a', change: {} }] }), /tfplan\.json: resource_changes\[0\]\.change\.actions: /);
    rejects(JSON.stringify({ format_version: '1.2', resource_changes: [{ address: 'a.b', type: 'a', change: { actions: [] } }] }), /resource_changes\[0\]\.change\.actions: .*empty/);
    rejects('[1, 2]', /expected a JSON object with format_version and resource_changes/);
  });

  it('says how to write the file when it is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synchook-planjson-'));
    await expect(readPlanFile(dir, 'plans/nope.json')).rejects.toThrow(/plans\/nope\.json: the plan file does not exist\. Write it with `terraform plan -out=tfplan && terraform show -json tfplan > plans\/nope\.json`/);
    writeFileSync(join(dir, 'ok.json'), JSON.stringify({ format_version: '1.2' }));
    await expect(readPlanFile(dir, 'ok.json')).resolves.toMatchObject({ formatVersion: '1.2' });
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('output-only changes', () => {
  it('are shown in the plan, not "no changes"; sensitive values stay hidden', async () => {
    const { checkPlan } = await import('../../../src/tasks/terraform/index.js');
    const { TerraformSection } = await import('../../../src/tasks/terraform/config.js');
    const change = (actions: string[], before: unknown, after: unknown, extra: Record<string, unknown> = {}) => ({ actions, before, after, after_unknown: false, before_sensitive: false, after_sensitive: false, ...extra });
    const plan = parsePlanJson(
      JSON.stringify({
        format_version: '1.2',
        resource_changes: [],
        output_changes: {
          endpoint: change(['update'], 'a.example:9092', 'b.example:9092'),
          password: change(['update'], 'x', 'y', { before_sensitive: true, after_sensitive: true }),
          added: change(['create'], null, null, { after_unknown: true }),
          same: change(['no-op'], 1, 1),
        },
      }),
      'tfplan.json',
    );
    expect(describeCounts(countActions(plan))).toBe('no resource changes; 3 outputs to change');
    expect(checkPlan(plan, TerraformSection.parse({ planJson: 'tfplan.json' })).changes).toEqual([
      { action: 'update', resource: 'output endpoint', detail: '"a.example:9092" → "b.example:9092"' },
      { action: 'update', resource: 'output password', detail: '(sensitive value) → (sensitive value)' },
      { action: 'create', resource: 'output added', detail: '= (known after apply)' },
    ]);
  });
});
