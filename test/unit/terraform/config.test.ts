import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/synchook-config.js';
import { ConfigError } from '../../../src/errors.js';
import type { TerraformSection } from '../../../src/tasks/terraform/config.js';

function load(yaml: string) {
  return parseConfig(yaml, { file: '/repo/env/prod/synchook.yaml', displayName: 'synchook.yaml', env: {} });
}

function rejects(yaml: string, message: RegExp) {
  expect(() => load(yaml)).toThrow(ConfigError);
  expect(() => load(yaml)).toThrow(message);
}

describe('terraform config section', () => {
  it('fills in the defaults: Kafka protections and partition decreases deny, drift and incomplete plans warn', () => {
    const section = load('terraform:\n  planJson: tfplan.json\n').config.terraform as TerraformSection;
    expect(section).toMatchObject({
      planJson: 'tfplan.json',
      binary: 'terraform',
      rules: { protectKafkaResources: 'deny', forbid: [], exceptions: [], partitionDecrease: 'deny', drift: 'warn', incompletePlan: 'warn' },
    });
  });

  it('reads every rule', () => {
    const section = load(`
terraform:
  workdir: infra
  binary: tofu
  initArgs: [-backend-config=prod.hcl]
  planArgs: [-var-file=prod.tfvars]
  env: { TF_WORKSPACE: prod }
  timeout: 5m
  rules:
    protectKafkaResources: warn
    forbid:
      - { actions: [delete, replace], types: [aws_msk_*], message: the cluster holds every topic }
      - { actions: [forget], addresses: ["module.kafka.*"], level: warn }
    exceptions:
      - { addresses: ['kafka_topic.legacy["orders.v0"]'], actions: [delete], reason: migrated to orders.v1 }
    partitionDecrease: deny
    maxChanges: { delete: 0, replace: 2, total: 50, level: warn }
    drift: deny
    incompletePlan: off
    allowedTypes: { types: [kafka_*, confluent_*] }
`).config.terraform as TerraformSection & { timeout: number };
    expect(section.timeout).toBe(300_000);
    expect(section.rules.forbid[0]).toEqual({ actions: ['delete', 'replace'], types: ['aws_msk_*'], level: 'deny', message: 'the cluster holds every topic' });
    expect(section.rules.exceptions[0]!.addresses).toEqual(['kafka_topic.legacy["orders.v0"]']);
    expect(section.rules.maxChanges).toEqual({ delete: 0, replace: 2, total: 50, level: 'warn' });
    expect(section.rules.allowedTypes).toEqual({ types: ['kafka_*', 'confluent_*'], level: 'deny' });
  });

  it('needs exactly one of planJson and workdir', () => {
    rejects('terraform:\n  rules: {}\n', /synchook\.yaml:2:3: terraform: give planJson \(a plan as JSON\) or workdir \(a folder to run terraform in\)/);
    rejects('terraform:\n  planJson: a.json\n  workdir: infra\n', /synchook\.yaml:3:12: terraform\.workdir: give either planJson or workdir, not both/);
  });

  it('refuses program settings with a plan file, where they would be ignored', () => {
    rejects('terraform:\n  planJson: a.json\n  planArgs: [-var=x]\n', /terraform\.planArgs: planArgs applies only with workdir/);
    rejects('terraform:\n  planJson: a.json\n  binary: tofu\n', /terraform\.binary: binary applies only with workdir/);
  });

  it('rejects unknown keys and values with the path of the key', () => {
    rejects('terraform:\n  planJson: a.json\n  rules:\n    protectKafka: deny\n', /synchook\.yaml:4:5: unknown key terraform\.rules\.protectKafka/);
    rejects('terraform:\n  planJson: a.json\n  rules:\n    forbid: [{ actions: [destroy] }]\n', /terraform\.rules\.forbid\[0\]\.actions\[0\]/);
    rejects('terraform:\n  planJson: a.json\n  rules:\n    drift: block\n', /terraform\.rules\.drift/);
    rejects('terraform:\n  planJson: a.json\n  rules:\n    maxChanges: { delete: -1 }\n', /terraform\.rules\.maxChanges\.delete/);
    rejects('terraform:\n  planJson: a.json\n  rules:\n    forbid: [{ actions: [], types: [x] }]\n', /name at least one of delete, replace, forget/);
  });

  it('refuses an exception without a target or a reason', () => {
    rejects('terraform:\n  planJson: a.json\n  rules:\n    exceptions: [{ actions: [delete], reason: cleanup }]\n', /an exception needs types or addresses/);
    rejects('terraform:\n  planJson: a.json\n  rules:\n    exceptions: [{ types: [kafka_topic] }]\n', /terraform\.rules\.exceptions\[0\]\.reason/);
  });
});
