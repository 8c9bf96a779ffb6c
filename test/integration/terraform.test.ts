/**
 * The terraform task against a real Terraform 1.5.7 (built from the Go module proxy by
 * scripts/install-terraform.sh): real plans made with the built-in terraform_data resource, the
 * workdir mode running the binary, and `synchook run terraform` through the built CLI.
 * Needs no Kafka; runs in the integration project because it starts processes.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clients } from '../../src/clients/index.js';
import { loadConfig } from '../../src/synchook-config.js';
import { AbortedError, ExitCode } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { renderPlanText } from '../../src/report/render.js';
import { runPhase } from '../../src/runner.js';
import { TerraformRules } from '../../src/tasks/terraform/config.js';
import { countActions } from '../../src/tasks/terraform/counts.js';
import { checkPlan } from '../../src/tasks/terraform/index.js';
import { parsePlanJson } from '../../src/tasks/terraform/plan-json.js';
import { planInWorkdir } from '../../src/tasks/terraform/run-terraform.js';
import { CLI, runCli } from '../harness/run-cli.js';
import { loadRealPlan, retype } from '../fixtures/terraform/retype.js';
import { AFTER_TF, BEFORE_TF, ensureTerraform, makeScenarioPlans, terraform, type ScenarioPlans } from '../fixtures/terraform/scenarios.js';

const clients: Clients = {
  kafka: () => { throw new Error('the terraform task needs no Kafka'); },
  admin: () => Promise.reject(new Error('the terraform task needs no Kafka')),
  kafkaAdmin: () => { throw new Error('the terraform task needs no Kafka'); },
  registry: () => { throw new Error('the terraform task needs no registry'); },
  close: async () => undefined,
};

let binary: string;
let scratch: string;

beforeAll(async () => {
  // Cached after the first build; a cold build takes minutes on two cores.
  binary = await ensureTerraform();
  scratch = mkdtempSync(join(tmpdir(), 'synchook-terraform-it-'));
}, 20 * 60_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** A logger whose JSON lines the test can read. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { log: createLogger({ level: 'info', format: 'json', destination }), lines };
}

/** A config folder: synchook.yaml plus files; an empty terraform CLI config keeps user settings out. */
function configFolder(name: string, yaml: string, files: Record<string, string> = {}) {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'terraformrc'), '');
  writeFileSync(join(dir, 'synchook.yaml'), yaml);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return { dir, file: join(dir, 'synchook.yaml') };
}

function workdirYaml(dir: string, extra = '') {
  return `terraform:\n  workdir: infra\n  binary: ${binary}\n  env:\n    TF_CLI_CONFIG_FILE: ${join(dir, 'terraformrc')}\n${extra}`;
}

describe('real plans of Terraform 1.5.7 with terraform_data', () => {
  let plans: ScenarioPlans;
  beforeAll(async () => {
    plans = await makeScenarioPlans(binary, scratch);
  }, 120_000);

  const parse = (plan: unknown) => parsePlanJson(JSON.stringify(plan), 'tfplan.json');

  it('counts create, no-op, update, replace in both orders, delete and a moved block', () => {
    expect(countActions(parse(plans.create))).toMatchObject({ create: 10, update: 0, delete: 0, replace: 0 });
    expect(countActions(parse(plans.noop))).toMatchObject({ 'no-op': 11, create: 0, update: 0, delete: 0, replace: 0 });
    const mixed = parse(plans.mixed);
    expect(countActions(mixed)).toMatchObject({ create: 1, update: 1, replace: 5, delete: 2, 'no-op': 3, moved: 1, forget: 0, unknown: 0 });
    const byAddress = new Map(mixed.resourceChanges.map((change) => [change.address, change]));
    expect(byAddress.get('terraform_data.updated')).toMatchObject({ kind: 'update' });
    expect(byAddress.get('terraform_data.replaced')).toMatchObject({ kind: 'replace', replaceOrder: 'delete-then-create', replacePaths: [['triggers_replace']] });
    expect(byAddress.get('terraform_data.replaced_cbd')).toMatchObject({ kind: 'replace', replaceOrder: 'create-then-delete' });
    expect(byAddress.get('terraform_data.deleted')).toMatchObject({ kind: 'delete', actionReason: 'delete_because_no_resource_config' });
    expect(byAddress.get('terraform_data.new_name')).toMatchObject({ kind: 'no-op', previousAddress: 'terraform_data.old_name' });
    expect(byAddress.get('terraform_data.tainted')).toMatchObject({ actionReason: 'replace_because_tainted' });
    expect(byAddress.get('terraform_data.requested')).toMatchObject({ actionReason: 'replace_by_request' });
    expect(byAddress.get('terraform_data.triggered')).toMatchObject({ actionReason: 'replace_by_triggers' });
  });

  it('passes them with the default rules, since terraform_data is not a Kafka resource', () => {
    for (const plan of [plans.create, plans.noop, plans.mixed]) expect(checkPlan(parse(plan), { rules: TerraformRules.parse({}) }).violations).toEqual([]);
  });

  it('denies them once the destroyed resources are Kafka topics and ACLs', () => {
    const kafka = retype(plans.mixed as Record<string, unknown>, {
      deleted: { type: 'kafka_topic' },
      replaced: { type: 'confluent_kafka_topic' },
      replaced_cbd: { type: 'aiven_kafka_acl' },
      created: { type: 'kafka_topic' },
      updated: { type: 'kafka_topic', liftInput: true },
    });
    const result = checkPlan(parse(kafka), { rules: TerraformRules.parse({}) });
    expect(result.violations.map((violation) => [violation.resource, violation.rule])).toEqual([
      ['kafka_topic.deleted', 'protect-kafka-resources'],
      ['confluent_kafka_topic.replaced', 'protect-kafka-resources'],
      ['aiven_kafka_acl.replaced_cbd', 'protect-kafka-resources'],
      ['kafka_topic.updated', 'partition-decrease'],
    ]);
    expect(result.violations[3]!.message).toMatch(/^partitions 12 → 6 is a decrease/);
  });
});

describe('workdir mode: synchook runs terraform', () => {
  it('runs init, plan and show, streams the output to the log, and passes a clean plan', async () => {
    const { dir, file } = configFolder('clean', '', { 'infra/main.tf': AFTER_TF.replace(/moved \{[^}]*\}/s, '') });
    writeFileSync(file, workdirYaml(dir));
    const { log, lines } = capturingLogger();
    const summary = await runPhase({ mode: 'run', loaded: loadConfig(file, {}), log, clients, taskNames: ['terraform'] });
    expect(summary.results[0]).toMatchObject({ status: 'success', summary: 'plan passes the policy: 10 to create' });
    expect(summary.exitCode).toBe(0);
    const streamed = lines.filter((line) => line.terraform !== undefined).map((line) => `${String(line.terraform)}: ${String(line.msg)}`);
    expect(streamed).toContain(`init: ${binary} init -input=false -no-color`);
    expect(streamed).toContain('init: Terraform has been successfully initialized!');
    expect(streamed.some((line) => line.startsWith(`plan: ${binary} plan -input=false -no-color -out=`))).toBe(true);
    expect(streamed).toContain('plan: Plan: 10 to add, 0 to change, 0 to destroy.');
    // The plan JSON is read, not logged.
    expect(streamed.some((line) => line.includes('format_version'))).toBe(false);
  });

  it('denies a plan that deletes a resource a forbid rule protects, with its address, action and reason', async () => {
    const { dir, file } = configFolder('forbidden', '', { 'infra/main.tf': BEFORE_TF });
    await terraform(binary, join(dir, 'infra'), ['init', '-input=false', '-no-color']);
    await terraform(binary, join(dir, 'infra'), ['apply', '-auto-approve', '-input=false', '-no-color']);
    writeFileSync(join(dir, 'infra', 'main.tf'), AFTER_TF);
    writeFileSync(file, workdirYaml(dir, '  rules:\n    forbid:\n      - { actions: [delete], addresses: [terraform_data.deleted], message: the orders topic lives here }\n'));
    const summary = await runPhase({ mode: 'run', loaded: loadConfig(file, {}), log: createLogger({ level: 'silent' }), clients, taskNames: ['terraform'] });
    expect(summary.exitCode).toBe(1);
    expect(summary.results[0]!.violations).toEqual([
      {
        resource: 'terraform_data.deleted',
        rule: 'forbid[0]',
        message:
          'delete; action_reason delete_because_no_resource_config (its resource block is no longer in the configuration). terraform.rules.forbid[0] forbids delete of terraform_data: the orders topic lives here. Change the configuration so the plan keeps the resource, or add an entry to terraform.rules.exceptions.',
      },
    ]);
    expect(renderPlanText(summary)).toContain('  - terraform_data.deleted: delete; action_reason delete_because_no_resource_config');
  });

  it('takes exit 2 of plan -detailed-exitcode for a plan with changes', async () => {
    const { dir, file } = configFolder('detailed-exitcode', '', { 'infra/main.tf': 'resource "terraform_data" "x" { input = "x" }\n' });
    writeFileSync(file, workdirYaml(dir, '  planArgs: [-detailed-exitcode]\n'));
    const summary = await runPhase({ mode: 'run', loaded: loadConfig(file, {}), log: createLogger({ level: 'silent' }), clients, taskNames: ['terraform'] });
    expect(summary.results[0]).toMatchObject({ status: 'success', summary: 'plan passes the policy: 1 to create' });
  });

  it("turns a plan that fails into a violation with terraform's error text", async () => {
    const { dir, file } = configFolder('errored', '', { 'infra/main.tf': 'resource "terraform_data" "x" { input = var.missing }\n' });
    writeFileSync(file, workdirYaml(dir));
    const summary = await runPhase({ mode: 'run', loaded: loadConfig(file, {}), log: createLogger({ level: 'silent' }), clients, taskNames: ['terraform'] });
    expect(summary.exitCode).toBe(1);
    const [violation] = summary.results[0]!.violations;
    expect(violation).toMatchObject({ resource: 'terraform plan', rule: 'plan-errored' });
    expect(violation!.message).toMatch(/^terraform plan failed, so there is no plan to check: Error: Reference to undeclared input variable on main\.tf line 1, in resource "terraform_data" "x": 1: resource "terraform_data" "x" \{ input = var\.missing \}/);
    expect(violation!.message).toContain('An input variable with the name "missing" has not been declared.');
  });

  it('exits 3 when the binary is missing', async () => {
    const { dir, file } = configFolder('missing-binary', '', { 'infra/main.tf': 'resource "terraform_data" "x" {}\n' });
    writeFileSync(file, `terraform:\n  workdir: infra\n  binary: ./bin/no-such-terraform\n`);
    const summary = await runPhase({ mode: 'run', loaded: loadConfig(file, {}), log: createLogger({ level: 'silent' }), clients, taskNames: ['terraform'] });
    expect(summary.exitCode).toBe(ExitCode.Unreachable);
    expect(summary.results[0]!.error).toBe(`${join(dir, 'bin', 'no-such-terraform')} was not found. Install Terraform or OpenTofu in the image, or set terraform.binary to its path.`);
    writeFileSync(file, `terraform:\n  workdir: infra\n  binary: no-such-terraform-on-path\n`);
    const onPath = await runPhase({ mode: 'run', loaded: loadConfig(file, {}), log: createLogger({ level: 'silent' }), clients, taskNames: ['terraform'] });
    expect(onPath.results[0]!.error).toMatch(/^no-such-terraform-on-path was not found on PATH\./);
  });

  it('exits 3 when init fails because the backend cannot be reached', async () => {
    const port = await closedPort();
    const { dir, file } = configFolder('backend-down', '', { 'infra/main.tf': httpBackend(port) });
    writeFileSync(file, workdirYaml(dir));
    const summary = await runPhase({ mode: 'run', loaded: loadConfig(file, {}), log: createLogger({ level: 'silent' }), clients, taskNames: ['terraform'] });
    expect(summary.exitCode).toBe(ExitCode.Unreachable);
    expect(summary.results[0]!.error).toMatch(new RegExp(`^terraform init failed in infra \\(exit 1\\): Error refreshing state: Failed to get state: GET http://127\\.0\\.0\\.1:${port}/state .*connection refused\\. Check that the backend and the provider registry or mirror are reachable`));
  });

  it("stops terraform when the task's deadline passes, and ends with exit 3", async () => {
    const backend = await hangingServer();
    try {
      const { dir, file } = configFolder('deadline', '', { 'infra/main.tf': httpBackend(backend.port) });
      writeFileSync(file, workdirYaml(dir, '  timeout: 2s\n'));
      const summary = await runPhase({ mode: 'run', loaded: loadConfig(file, {}), log: createLogger({ level: 'silent' }), clients, taskNames: ['terraform'] });
      expect(summary.exitCode).toBe(ExitCode.Unreachable);
      expect(summary.results[0]!.error).toBe('terraform: its deadline of 2.0 s passed');
    } finally {
      await backend.close();
    }
  });

  it('kills a terraform that hangs past SIGTERM once the run is aborted, before it reports', async () => {
    const backend = await hangingServer();
    try {
      const { dir } = configFolder('abort', '', { 'infra/main.tf': httpBackend(backend.port) });
      const controller = new AbortController();
      const planned = planInWorkdir({
        section: { workdir: 'infra', binary, initArgs: [], planArgs: [], env: { TF_CLI_CONFIG_FILE: join(dir, 'terraformrc') } },
        configDir: dir,
        log: createLogger({ level: 'silent' }),
        signal: controller.signal,
        killGraceMs: 500,
      });
      await backend.requested;
      controller.abort(new AbortedError('terminated by SIGTERM'));
      await expect(planned).rejects.toThrow('terminated by SIGTERM');
      // The promise settles only once the process has ended, so its connection is gone too.
      await backend.disconnected;
    } finally {
      await backend.close();
    }
  });
});

describe('synchook run terraform through the CLI', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before the integration tests.`);
  });

  it('exits 1 on a plan that deletes or replaces a protected resource, with a summary a reviewer can read', async () => {
    const { dir, file } = configFolder('cli-protected', 'terraform:\n  planJson: plans/tfplan.json\n');
    const kafka = retype(loadRealPlan('mixed'), { deleted: { type: 'kafka_topic' }, replaced_cbd: { type: 'confluent_kafka_acl' } });
    mkdirSync(join(dir, 'plans'));
    writeFileSync(join(dir, 'plans', 'tfplan.json'), JSON.stringify(kafka));
    const result = await runCli(['run', 'terraform', '--config', file, '--log-level', 'warn']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('terraform (presync): rejected: 2 violations (kafka_topic.deleted, ...)');
    expect(result.stdout).toContain('  - kafka_topic.deleted: delete; action_reason delete_because_no_resource_config (its resource block is no longer in the configuration)');
    expect(result.stdout).toMatch(/ {2}! kafka_topic\.deleted: delete; .* It destroys the Kafka topic \(kafka_topic\) and every record in it; .*\(rule protect-kafka-resources\)/);
    expect(result.stdout).toMatch(/ {2}! confluent_kafka_acl\.replaced_cbd: replace \(create the new object, then delete the old one\); .* It removes the Kafka ACL \(confluent_kafka_acl\)/);
    expect(result.stdout).toMatch(/FAILED +terraform +rejected: 2 violations/);
    expect(result.stdout).toContain('synchook run: stopped: terraform did not pass, see above (exit 1)');
  });

  it('exits 0 on a clean plan', async () => {
    const { dir, file } = configFolder('cli-clean', 'terraform:\n  planJson: tfplan.json\n');
    writeFileSync(join(dir, 'tfplan.json'), JSON.stringify(loadRealPlan('mixed')));
    const result = await runCli(['run', 'terraform', '--config', file, '--log-level', 'warn']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('terraform (presync): plan passes the policy: 1 to create, 1 to update, 5 to replace, 2 to delete; 1 moved; 3 unchanged');
    expect(result.stdout).toMatch(/ok +terraform +plan passes the policy/);
  });

  it('appends the plan to $GITHUB_STEP_SUMMARY, and exits 2 naming the file when it cannot be written', async () => {
    const { dir, file } = configFolder('cli-summary', 'terraform:\n  planJson: tfplan.json\n');
    writeFileSync(join(dir, 'tfplan.json'), JSON.stringify(loadRealPlan('mixed')));
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const written = await runCli(['plan', '--config', file, '--log-level', 'warn'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(written.code).toBe(0);
    const text = readFileSync(summary, 'utf8');
    expect(text.startsWith('# earlier step\n')).toBe(true);
    expect(text).toContain('terraform');
    // A folder where the file should be: the summary the user asked for would be lost.
    const unwritable = join(dir, 'summary-folder');
    mkdirSync(unwritable);
    const lost = await runCli(['plan', '--config', file, '--log-level', 'warn'], { env: { GITHUB_STEP_SUMMARY: unwritable } });
    expect(lost.code).toBe(2);
    expect(lost.stdout + lost.stderr).toContain(`could not write the job summary to $GITHUB_STEP_SUMMARY (${unwritable})`);
    expect(lost.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('exits 1 when terraform itself plans to delete a protected resource (workdir mode, through the CLI)', async () => {
    const { dir, file } = configFolder('cli-workdir', '', { 'infra/main.tf': 'resource "terraform_data" "orders" { input = "orders" }\n' });
    await terraform(binary, join(dir, 'infra'), ['init', '-input=false', '-no-color']);
    await terraform(binary, join(dir, 'infra'), ['apply', '-auto-approve', '-input=false', '-no-color']);
    writeFileSync(join(dir, 'infra', 'main.tf'), '');
    writeFileSync(file, workdirYaml(dir, '  rules:\n    forbid: [{ actions: [delete, replace], types: [terraform_data] }]\n'));
    const result = await runCli(['run', 'terraform', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('! terraform_data.orders: delete; action_reason delete_because_no_resource_config');
    // The log (stderr) carries terraform's own output.
    expect(result.stderr).toContain('Plan: 0 to add, 0 to change, 1 to destroy.');
  });
});

function httpBackend(port: number): string {
  return `terraform {\n  backend "http" {\n    address = "http://127.0.0.1:${port}/state"\n  }\n}\nresource "terraform_data" "x" {}\n`;
}

/** A 127.0.0.1 port with nothing listening: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An HTTP state backend that accepts the request and never answers. */
async function hangingServer() {
  let onRequest: () => void = () => undefined;
  let onDisconnect: () => void = () => undefined;
  const requested = new Promise<void>((resolve) => (onRequest = resolve));
  const disconnected = new Promise<void>((resolve) => (onDisconnect = resolve));
  const server = http.createServer((request) => {
    request.socket.on('close', onDisconnect);
    onRequest();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    requested,
    disconnected,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
