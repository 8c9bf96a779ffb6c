import { describe, expect, it } from 'vitest';
import { TerraformRules } from '../../../src/tasks/terraform/config.js';
import { checkPlan } from '../../../src/tasks/terraform/index.js';
import { KAFKA_RESOURCE_TYPES } from '../../../src/tasks/terraform/kafka-resources.js';
import { parsePlanJson } from '../../../src/tasks/terraform/plan-json.js';
import { findChange, loadRealPlan, retype } from '../../fixtures/terraform/retype.js';

type Json = Record<string, any>;

function check(plan: Json, rules: Record<string, unknown> = {}) {
  return checkPlan(parsePlanJson(JSON.stringify(plan), 'tfplan.json'), { rules: TerraformRules.parse(rules) });
}

const violationsOf = (result: ReturnType<typeof check>) => result.violations.map((violation) => [violation.resource, violation.rule]);

describe('default protection of Kafka resources', () => {
  it('passes the real terraform_data plan: only Kafka resources are protected by default', () => {
    const result = check(loadRealPlan('mixed'));
    expect(result.violations).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('denies deleting and replacing (in either order) topics and ACLs, and lets creates, updates and moves through', () => {
    const plan = retype(loadRealPlan('mixed'), {
      deleted: { type: 'kafka_topic' },
      replaced: { type: 'confluent_kafka_topic' },
      replaced_cbd: { type: 'aiven_kafka_acl' },
      tainted: { type: 'redpanda_topic' },
      created: { type: 'kafka_topic' },
      updated: { type: 'kafka_acl' },
      new_name: { type: 'kafka_topic' },
    });
    const result = check(plan);
    expect(violationsOf(result)).toEqual([
      ['kafka_topic.deleted', 'protect-kafka-resources'],
      ['confluent_kafka_topic.replaced', 'protect-kafka-resources'],
      ['aiven_kafka_acl.replaced_cbd', 'protect-kafka-resources'],
      ['redpanda_topic.tainted', 'protect-kafka-resources'],
    ]);
    const [deleted, replaced, replacedCbd, tainted] = result.violations;
    expect(deleted!.message).toBe(
      'delete; action_reason delete_because_no_resource_config (its resource block is no longer in the configuration). It destroys the Kafka topic (kafka_topic) and every record in it; consumers lose their committed offsets. Change the configuration so the plan keeps it, or add an entry to terraform.rules.exceptions when this is intended.',
    );
    expect(replaced!.message).toMatch(/^replace \(delete, then create\); action_reason replace_because_cannot_update \(an attribute that cannot be updated in place changed\); forced by triggers_replace\. It destroys the Kafka topic \(confluent_kafka_topic\)/);
    expect(replacedCbd!.message).toMatch(/^replace \(create the new object, then delete the old one\);.* It removes the Kafka ACL \(aiven_kafka_acl\), so the clients relying on it fail with authorization errors\./);
    expect(tainted!.message).toMatch(/action_reason replace_because_tainted \(the object is tainted\)/);
  });

  it.each(Object.keys(KAFKA_RESOURCE_TYPES))('protects %s', (type) => {
    const result = check(retype(loadRealPlan('mixed'), { deleted: { type } }));
    expect(violationsOf(result)).toEqual([[`${type}.deleted`, 'protect-kafka-resources']]);
  });

  it('protects Strimzi KafkaTopic, KafkaUser and Kafka resources applied with kubernetes_manifest, and nothing else of kubernetes_manifest', () => {
    const manifest = (kind: string, apiVersion = 'kafka.strimzi.io/v1beta2') => {
      const plan = retype(loadRealPlan('mixed'), { deleted: { type: 'kubernetes_manifest' } });
      findChange(plan, 'kubernetes_manifest.deleted').change.before = { manifest: { apiVersion, kind, metadata: { name: 'orders' } } };
      return check(plan);
    };
    expect(manifest('KafkaTopic').violations[0]!.message).toContain('It destroys the Strimzi KafkaTopic (kubernetes_manifest)');
    expect(manifest('KafkaUser').violations[0]!.message).toContain('It removes the Strimzi KafkaUser (kubernetes_manifest)');
    expect(manifest('Kafka').violations[0]!.message).toContain('It destroys the Strimzi Kafka (kubernetes_manifest) with all its topics and data');
    expect(manifest('ConfigMap', 'v1').violations).toEqual([]);
    expect(manifest('KafkaTopic', 'example.com/v1').violations).toEqual([]);
  });

  it('denies forgetting a topic, since Terraform then stops managing it', () => {
    const plan = retype(loadRealPlan('mixed'), { deleted: { type: 'kafka_topic' }, replaced: { type: 'kafka_topic' } });
    findChange(plan, 'kafka_topic.deleted').change.actions = ['forget'];
    findChange(plan, 'kafka_topic.replaced').change.actions = ['create', 'forget'];
    const result = check(plan);
    expect(violationsOf(result)).toEqual([
      ['kafka_topic.deleted', 'protect-kafka-resources'],
      ['kafka_topic.replaced', 'protect-kafka-resources'],
    ]);
    expect(result.violations[0]!.message).toMatch(/^forget \(removed from the state; the object is not destroyed\);.* It leaves the Kafka topic \(kafka_topic\) unmanaged/);
    expect(result.violations[1]!.message).toMatch(/^replace \(create the new object; the old one is forgotten, not destroyed\)/);
  });

  it('names a deposed object left over from a failed create_before_destroy', () => {
    const plan = retype(loadRealPlan('mixed'), { deleted: { type: 'kafka_topic' } });
    findChange(plan, 'kafka_topic.deleted').deposed = '5f8e0a1b';
    expect(violationsOf(check(plan))).toEqual([['kafka_topic.deleted (deposed object 5f8e0a1b)', 'protect-kafka-resources']]);
  });

  it('warns instead of denying, or stays silent, as configured', () => {
    const plan = retype(loadRealPlan('mixed'), { deleted: { type: 'kafka_topic' } });
    const warned = check(plan, { protectKafkaResources: 'warn' });
    expect(warned.violations).toEqual([]);
    expect(warned.warnings).toEqual([expect.stringMatching(/^kafka_topic\.deleted: delete; .* \(rule protect-kafka-resources\)$/)]);
    expect(check(plan, { protectKafkaResources: 'off' }).warnings).toEqual([]);
  });

  it('lets an exception through, and still shows it to the reviewer with its reason', () => {
    const plan = retype(loadRealPlan('mixed'), { deleted: { type: 'kafka_topic' }, replaced: { type: 'kafka_topic' } });
    const result = check(plan, { exceptions: [{ addresses: ['kafka_topic.deleted'], actions: ['delete'], reason: 'orders.v0 was migrated to orders.v1' }] });
    expect(violationsOf(result)).toEqual([['kafka_topic.replaced', 'protect-kafka-resources']]);
    expect(result.warnings).toEqual([
      'kafka_topic.deleted: delete; action_reason delete_because_no_resource_config (its resource block is no longer in the configuration); allowed by terraform.rules.exceptions[0] (orders.v0 was migrated to orders.v1), although rule protect-kafka-resources would deny it. (rule exceptions[0])',
    ]);
  });

  it('does not stretch an exception for delete to a replacement', () => {
    const plan = retype(loadRealPlan('mixed'), { replaced: { type: 'kafka_topic' } });
    const result = check(plan, { exceptions: [{ types: ['kafka_topic'], actions: ['delete'], reason: 'cleanup' }] });
    expect(violationsOf(result)).toEqual([['kafka_topic.replaced', 'protect-kafka-resources']]);
  });
});

describe('forbid rules', () => {
  it('forbids actions by type and address glob, with the rule named by its place in the config', () => {
    const result = check(loadRealPlan('mixed'), {
      forbid: [
        { actions: ['delete'], types: ['aws_*'] },
        { actions: ['replace'], types: ['terraform_*'], addresses: ['terraform_data.replaced*'], message: 'replacing these drops the consumer offsets' },
      ],
    });
    expect(violationsOf(result)).toEqual([
      ['terraform_data.replaced', 'forbid[1]'],
      ['terraform_data.replaced_cbd', 'forbid[1]'],
    ]);
    expect(result.violations[0]!.message).toContain('terraform.rules.forbid[1] forbids replace of terraform_data: replacing these drops the consumer offsets.');
  });

  it('matches deletes of every reason, and warns when the rule says warn', () => {
    const result = check(loadRealPlan('mixed'), { forbid: [{ actions: ['delete'], addresses: ['terraform_data.*'], level: 'warn' }] });
    expect(result.violations).toEqual([]);
    expect(result.warnings).toHaveLength(2);
    expect(result.warnings[0]).toMatch(/^terraform_data\.counted\[1\]: delete; action_reason delete_because_count_index .*\(rule forbid\[0\]\)$/);
    expect(result.warnings[1]).toMatch(/^terraform_data\.deleted: delete; action_reason delete_because_no_resource_config/);
  });

  it('matches a moved resource by its previous address too', () => {
    const plan = loadRealPlan('mixed');
    findChange(plan, 'terraform_data.new_name').change.actions = ['delete', 'create'];
    const result = check(plan, { forbid: [{ actions: ['replace'], addresses: ['terraform_data.old_name'] }] });
    expect(violationsOf(result)).toEqual([['terraform_data.new_name', 'forbid[0]']]);
  });

  it('leaves creates, updates and no-ops alone', () => {
    const result = check(loadRealPlan('mixed'), { forbid: [{ actions: ['delete', 'replace', 'forget'], addresses: ['terraform_data.created', 'terraform_data.updated', 'terraform_data.unchanged', 'terraform_data.new_name'] }] });
    expect(result.violations).toEqual([]);
  });
});

describe('partition decrease', () => {
  const decreased = (type: string, attribute: string) => {
    const plan = retype(loadRealPlan('mixed'), { updated: { type, liftInput: true } });
    const change = findChange(plan, `${type}.updated`).change;
    change.before = { ...change.before, [attribute]: 12 };
    change.after = { ...change.after, [attribute]: 6 };
    return plan;
  };

  it('denies a real in-place decrease of a topic (kafka_topic partitions 12 → 6)', () => {
    const plan = retype(loadRealPlan('mixed'), { updated: { type: 'kafka_topic', liftInput: true } });
    expect(findChange(plan, 'kafka_topic.updated').change.before.partitions).toBe(12);
    const result = check(plan);
    expect(violationsOf(result)).toEqual([['kafka_topic.updated', 'partition-decrease']]);
    expect(result.violations[0]!.message).toBe('partitions 12 → 6 is a decrease; Kafka cannot remove partitions, so the apply fails or the provider recreates the topic. Keep 12 partitions, or create a new topic with 6.');
  });

  it.each([
    ['confluent_kafka_topic', 'partitions_count'],
    ['aiven_kafka_topic', 'partitions'],
    ['redpanda_topic', 'partition_count'],
    ['google_managed_kafka_topic', 'partition_count'],
  ])('reads the partition count of %s from %s', (type, attribute) => {
    expect(violationsOf(check(decreased(type, attribute)))).toEqual([[`${type}.updated`, 'partition-decrease']]);
  });

  it('allows an increase', () => {
    const plan = decreased('kafka_topic', 'partitions');
    findChange(plan, 'kafka_topic.updated').change.after.partitions = 24;
    expect(check(plan).violations).toEqual([]);
  });

  it('denies a replacement forced by the partition count, even when the new count is known only after apply', () => {
    const plan = retype(loadRealPlan('mixed'), { replaced: { type: 'kafka_topic' } });
    const change = findChange(plan, 'kafka_topic.replaced').change;
    change.before = { ...change.before, partitions: 12 };
    change.after = { ...change.after, partitions: null };
    change.after_unknown = { id: true, partitions: true };
    change.replace_paths = [['partitions']];
    const result = check(plan, { protectKafkaResources: 'off' });
    expect(violationsOf(result)).toEqual([['kafka_topic.replaced', 'partition-decrease']]);
    expect(result.violations[0]!.message).toBe('partitions 12 → a value known only after apply forces the topic to be replaced, which deletes its records. Keep partitions at 12.');
  });

  it('reads spec.partitions of a Strimzi KafkaTopic', () => {
    const plan = retype(loadRealPlan('mixed'), { updated: { type: 'kubernetes_manifest' } });
    const change = findChange(plan, 'kubernetes_manifest.updated').change;
    const topic = (partitions: number) => ({ manifest: { apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'KafkaTopic', spec: { partitions } } });
    change.before = topic(12);
    change.after = topic(3);
    const result = check(plan);
    expect(violationsOf(result)).toEqual([['kubernetes_manifest.updated', 'partition-decrease']]);
    expect(result.violations[0]!.message).toMatch(/^manifest\.spec\.partitions 12 → 3 is a decrease/);
  });

  it('lets an exception through, with a warning', () => {
    const result = check(decreased('kafka_topic', 'partitions'), { exceptions: [{ addresses: ['kafka_topic.updated'], reason: 'the topic is empty and recreated on purpose' }] });
    expect(result.violations).toEqual([]);
    expect(result.warnings).toEqual([expect.stringMatching(/^kafka_topic\.updated: update in place; allowed by terraform\.rules\.exceptions\[0\] \(the topic is empty and recreated on purpose\), although rule partition-decrease would deny it\./)]);
  });

  it('follows the configured level', () => {
    expect(check(decreased('kafka_topic', 'partitions'), { partitionDecrease: 'warn' }).warnings).toEqual([expect.stringMatching(/^kafka_topic\.updated: partitions 12 → 6 is a decrease.*\(rule partition-decrease\)$/)]);
    expect(check(decreased('kafka_topic', 'partitions'), { partitionDecrease: 'off' }).warnings).toEqual([]);
  });
});

describe('limits, drift, allowed types and the state of the plan', () => {
  it('denies more changes per action than allowed, naming the resources', () => {
    const result = check(loadRealPlan('mixed'), { maxChanges: { delete: 1, replace: 5, create: 0, total: 20 } });
    expect(violationsOf(result)).toEqual([
      ['terraform plan', 'max-changes.create'],
      ['terraform plan', 'max-changes.delete'],
    ]);
    expect(result.violations[1]!.message).toBe('2 resources to delete exceed terraform.rules.maxChanges.delete = 1 (terraform_data.counted[1], terraform_data.deleted). Split the change into smaller plans, or raise the limit.');
    expect(result.violations[0]!.message).toBe('1 resource to create exceeds terraform.rules.maxChanges.create = 0 (terraform_data.created). Split the change into smaller plans, or raise the limit.');
  });

  it('counts moves in the total, and warns when told to', () => {
    const result = check(loadRealPlan('mixed'), { maxChanges: { total: 9, level: 'warn' } });
    expect(result.violations).toEqual([]);
    expect(result.warnings).toEqual([expect.stringMatching(/^terraform plan: 10 changed resources exceed terraform\.rules\.maxChanges\.total = 9 \(1 create, 1 update, 5 replace, 2 delete, 0 forget, 1 moved, 0 imported\)/)]);
  });

  it('warns about drift by default, and denies it when configured', () => {
    const plan = loadRealPlan('mixed');
    const drifted = structuredClone(findChange(plan, 'terraform_data.updated'));
    const gone = { ...structuredClone(findChange(plan, 'terraform_data.unchanged')), change: { actions: ['delete'], before: {}, after: null } };
    plan.resource_drift = [drifted, gone];
    const warned = check(plan);
    expect(warned.warnings).toEqual([
      expect.stringMatching(/^terraform_data\.updated: was changed outside Terraform since the last apply \(drift: update\).*\(rule drift\)$/),
      expect.stringMatching(/^terraform_data\.unchanged: was deleted outside Terraform since the last apply \(drift: delete\); this plan may recreate it/),
    ]);
    expect(violationsOf(check(plan, { drift: 'deny' }))).toEqual([
      ['terraform_data.updated', 'drift'],
      ['terraform_data.unchanged', 'drift'],
    ]);
    expect(check(plan, { drift: 'off' }).warnings).toEqual([]);
    expect(check(plan).figures).toMatchObject({ drifted: 2 });
  });

  it('denies changes to types outside the allowlist, data sources and no-ops aside', () => {
    expect(check(loadRealPlan('mixed'), { allowedTypes: { types: ['terraform_*'] } }).violations).toEqual([]);
    const result = check(loadRealPlan('mixed'), { allowedTypes: { types: ['kafka_*', 'confluent_*'] } });
    expect(result.violations).toHaveLength(10);
    expect(result.violations.every((violation) => violation.rule === 'allowed-types')).toBe(true);
    expect(result.violations.map((violation) => violation.resource)).not.toContain('terraform_data.unchanged');
    expect(result.violations[0]!.message).toMatch(/Type terraform_data is not in terraform\.rules\.allowedTypes\./);
  });

  it('always denies an errored plan, and a plan marked not applyable that holds changes', () => {
    const errored = { ...loadRealPlan('create'), errored: true, applyable: false };
    expect(violationsOf(check(errored, { protectKafkaResources: 'off' }))).toEqual([['terraform plan', 'plan-errored']]);
    expect(check(errored).violations[0]!.message).toMatch(/^Terraform marked the plan as errored: planning failed/);
    expect(violationsOf(check({ ...loadRealPlan('create'), errored: false, applyable: false }))).toEqual([['terraform plan', 'plan-not-applyable']]);
  });

  it('accepts a plan marked not applyable because it changes nothing (Terraform 1.8+ writes that for a no-op plan)', () => {
    expect(check({ ...loadRealPlan('noop'), errored: false, applyable: false, complete: true }).violations).toEqual([]);
  });

  it('warns about an incomplete plan with deferred changes', () => {
    const result = check({ ...loadRealPlan('create'), complete: false, deferred_changes: [{ reason: 'provider_config_unknown' }] });
    expect(result.warnings).toEqual(['terraform plan: the plan is incomplete (1 deferred change): after applying it, Terraform needs another plan and apply to converge. (rule incomplete-plan)']);
    expect(check({ ...loadRealPlan('create'), complete: false }, { incompletePlan: 'deny' }).violations).toHaveLength(1);
  });
});

describe('the diff a reviewer reads', () => {
  it('lists every change with its action, reason and changed attributes; no-ops and reads stay out', () => {
    const result = check(loadRealPlan('mixed'));
    expect(result.changes.map((change) => [change.action, change.resource])).toEqual([
      ['delete', 'terraform_data.counted[1]'],
      ['create', 'terraform_data.created'],
      ['delete', 'terraform_data.deleted'],
      ['update', 'terraform_data.new_name'],
      ['delete', 'terraform_data.replaced'],
      ['delete', 'terraform_data.replaced_cbd'],
      ['delete', 'terraform_data.requested'],
      ['delete', 'terraform_data.tainted'],
      ['delete', 'terraform_data.triggered'],
      ['update', 'terraform_data.updated'],
    ]);
    const byResource = new Map(result.changes.map((change) => [change.resource, change]));
    expect(byResource.get('terraform_data.new_name')).toEqual({ action: 'update', resource: 'terraform_data.new_name', detail: 'move', lines: ['moved from terraform_data.old_name'] });
    expect(byResource.get('terraform_data.replaced')!.detail).toBe('replace (delete, then create); action_reason replace_because_cannot_update (an attribute that cannot be updated in place changed); forced by triggers_replace');
    expect(byResource.get('terraform_data.replaced')!.lines).toEqual(['triggers_replace: "v1" → "v2"']);
    expect(byResource.get('terraform_data.updated')).toMatchObject({ detail: 'update in place', lines: ['input: {"name":"orders","partitions":12} → {"name":"orders","partitions":6}', 'output: {"name":"orders","partitions":12} → (known after apply)'] });
    expect(result.figures).toEqual({ create: 1, update: 1, replace: 5, delete: 2, unchanged: 3, moved: 1 });
  });

  it('never prints a sensitive value', () => {
    const plan = loadRealPlan('mixed');
    const change = findChange(plan, 'terraform_data.updated').change;
    change.before_sensitive = { input: true };
    change.after_sensitive = { input: { partitions: true } };
    const lines = check(plan).changes.find((planned) => planned.resource === 'terraform_data.updated')!.lines!;
    expect(lines[0]).toBe('input: (sensitive value) → (sensitive value)');
    expect(lines.join('\n')).not.toContain('"partitions":6');
  });
});
