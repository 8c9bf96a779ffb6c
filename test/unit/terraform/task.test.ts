import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Clients } from '../../../src/clients/index.js';
import { parseConfig } from '../../../src/synchook-config.js';
import { createLogger } from '../../../src/log.js';
import { renderPlanJson, renderPlanMarkdown, renderPlanText } from '../../../src/report/render.js';
import { runPhase } from '../../../src/runner.js';
import { terraformTask } from '../../../src/tasks/terraform/index.js';
import type { TerraformSection } from '../../../src/tasks/terraform/config.js';
import { loadRealPlan, retype } from '../../fixtures/terraform/retype.js';

const log = createLogger({ level: 'silent' });
const clients: Clients = {
  kafka: () => { throw new Error('the terraform task needs no Kafka'); },
  admin: () => Promise.reject(new Error('the terraform task needs no Kafka')),
  kafkaAdmin: () => { throw new Error('the terraform task needs no Kafka'); },
  registry: () => { throw new Error('the terraform task needs no registry'); },
  close: async () => undefined,
};

const folders: string[] = [];
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A config folder with the plan as tfplan.json and a terraform section. */
function setup(plan: unknown, section = 'terraform:\n  planJson: tfplan.json\n') {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-terraform-task-'));
  folders.push(dir);
  writeFileSync(join(dir, 'tfplan.json'), JSON.stringify(plan));
  const file = join(dir, 'synchook.yaml');
  writeFileSync(file, section);
  return { dir, loaded: parseConfig(section, { file, displayName: 'synchook.yaml', env: {} }) };
}

const kafkaPlan = () => retype(loadRealPlan('mixed'), { deleted: { type: 'kafka_topic' }, replaced: { type: 'confluent_kafka_topic' }, created: { type: 'kafka_topic' } });

describe('synchook run terraform', () => {
  it('rejects a plan that deletes or replaces a protected topic, with a diff a reviewer can read', async () => {
    const { loaded } = setup(kafkaPlan());
    const summary = await runPhase({ mode: 'run', loaded, log, clients, taskNames: ['terraform'] });
    expect(summary.exitCode).toBe(1);
    const [result] = summary.results;
    expect(result).toMatchObject({ task: 'terraform', status: 'failure', summary: 'rejected: 2 violations (kafka_topic.deleted, ...)' });

    const text = renderPlanText(summary);
    expect(text).toContain('  + kafka_topic.created: create\n');
    expect(text).toContain('  - kafka_topic.deleted: delete; action_reason delete_because_no_resource_config (its resource block is no longer in the configuration)\n');
    expect(text).toContain('  - confluent_kafka_topic.replaced: replace (delete, then create); action_reason replace_because_cannot_update');
    expect(text).toContain('      triggers_replace: "v1" → "v2"\n');
    expect(text).toContain('  ~ terraform_data.new_name: move\n      moved from terraform_data.old_name\n');
    expect(text).toMatch(/ {2}! kafka_topic\.deleted: delete; action_reason delete_because_no_resource_config \(its resource block is no longer in the configuration\)\. It destroys the Kafka topic \(kafka_topic\) and every record in it; .* \(rule protect-kafka-resources\)\n/);
    expect(text).toMatch(/ {2}! confluent_kafka_topic\.replaced: replace \(delete, then create\);.*\(rule protect-kafka-resources\)\n/);
    expect(text).toMatch(/synchook run: stopped: terraform did not pass, see above \(exit 1\)$/);

    const markdown = renderPlanMarkdown(summary);
    expect(markdown).toContain('| terraform | FAILED | rejected: 2 violations (kafka_topic.deleted, ...) |');
    expect(markdown).toContain('! kafka_topic.deleted: delete;');

    const json = JSON.parse(renderPlanJson(summary)) as { tasks: Array<{ violations: unknown[]; figures: Record<string, number> }> };
    expect(json.tasks[0]!.figures).toEqual({ create: 1, update: 1, replace: 5, delete: 2, unchanged: 3, moved: 1 });
    expect(json.tasks[0]!.violations).toEqual([
      { resource: 'kafka_topic.deleted', rule: 'protect-kafka-resources', message: expect.stringMatching(/^delete; action_reason delete_because_no_resource_config/) },
      { resource: 'confluent_kafka_topic.replaced', rule: 'protect-kafka-resources', message: expect.stringMatching(/^replace \(delete, then create\); action_reason replace_because_cannot_update/) },
    ]);
  });

  it('passes a clean plan, applies nothing, and summarises the counts', async () => {
    const { loaded } = setup(loadRealPlan('create'));
    const summary = await runPhase({ mode: 'run', loaded, log, clients, taskNames: ['terraform'] });
    expect(summary.exitCode).toBe(0);
    expect(summary.results[0]).toMatchObject({ status: 'success', summary: 'plan passes the policy: 10 to create' });
    expect(summary.results[0]!.changes).toHaveLength(10);
  });

  it('passes a no-op plan and says so', async () => {
    const { loaded } = setup(loadRealPlan('noop'));
    const summary = await runPhase({ mode: 'plan', loaded, log, clients });
    expect(summary.exitCode).toBe(0);
    expect(summary.results[0]!.summary).toBe('plan passes the policy: no changes; 11 unchanged');
    expect(renderPlanText(summary)).toContain('terraform (presync): plan passes the policy: no changes; 11 unchanged\n  (no changes)\n');
  });

  it('ends with a configuration error (exit 2) when the plan file is missing', async () => {
    const { loaded } = setup({}, 'terraform:\n  planJson: plans/missing.json\n');
    const summary = await runPhase({ mode: 'run', loaded, log, clients, taskNames: ['terraform'] });
    expect(summary.exitCode).toBe(2);
    expect(summary.results[0]!.error).toMatch(/^plans\/missing\.json: the plan file does not exist\./);
  });
});

describe('synchook validate with a terraform section', () => {
  it('checks a plan file offline against the rules', async () => {
    const { dir, loaded } = setup(kafkaPlan());
    const report = await terraformTask.validate!({ config: loaded.config, configDir: dir, log }, loaded.config.terraform as TerraformSection);
    expect(report.checked).toEqual(['tfplan.json: Terraform 1.5.7, format 1.2: 1 to create, 1 to update, 5 to replace, 2 to delete; 1 moved; 3 unchanged']);
    expect(report.violations.map((violation) => violation.resource)).toEqual(['kafka_topic.deleted', 'confluent_kafka_topic.replaced']);
  });

  it('checks that a working directory holds Terraform files', async () => {
    const { dir, loaded } = setup({}, 'terraform:\n  workdir: infra\n');
    const section = loaded.config.terraform as TerraformSection;
    await expect(terraformTask.validate!({ config: loaded.config, configDir: dir, log }, section)).rejects.toThrow(/terraform\.workdir: infra does not exist/);
    mkdirSync(join(dir, 'infra'));
    const empty = await terraformTask.validate!({ config: loaded.config, configDir: dir, log }, section);
    expect(empty.violations[0]!.message).toMatch(/infra holds no \.tf files/);
    writeFileSync(join(dir, 'infra', 'main.tf'), 'resource "terraform_data" "x" {}\n');
    const ok = await terraformTask.validate!({ config: loaded.config, configDir: dir, log }, section);
    expect(ok).toEqual({ checked: ['infra: 1 Terraform file; the plan is made and checked at presync (needs terraform and the backend)'], violations: [], warnings: [] });
  });
});
