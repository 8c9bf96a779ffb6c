import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useGitHubStandIn } from '../harness/github-standin.js';
import { harness } from '../harness/index.js';
import { runCli, type CliResult } from '../harness/run-cli.js';

/**
 * `synchook plan --comment` through the built CLI against the harness Kafka and the GitHub
 * stand-in, which validates every request against GitHub's OpenAPI description and refuses a
 * comment body over 65,536 characters as GitHub does.
 */

const TOKEN = `ghp_${randomBytes(16).toString('hex')}`;
const run = randomBytes(3).toString('hex');
const MARKER = '<!-- synchook-plan environment=review-it -->';
const standIn = useGitHubStandIn({ tokens: [TOKEN] });

const sha = () => randomBytes(20).toString('hex');

function configDir(topics: string, github = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'synchook-comment-it-'));
  writeFileSync(join(dir, 'github-token'), `${TOKEN}\n`);
  writeFileSync(join(dir, 'topics.yaml'), topics);
  writeFileSync(
    join(dir, 'synchook.yaml'),
    ['environment: review-it', 'cluster:', `  brokers: ["${harness().kafka.bootstrap}"]`, '  retries: 1', 'topics:', '  files: [topics.yaml]', '  validateWithBroker: false', 'report:', '  github:', '    repository: acme/orders', `    apiUrl: ${standIn().url}`, '    tokenFile: github-token', '    discover: off', '    retries: 0', github, ''].join('\n'),
  );
  return dir;
}

/** The event file the runner writes for a pull_request event. */
function pullRequestEvent(dir: string, number: number, headSha: string): string {
  const path = join(dir, `event-${headSha}.json`);
  writeFileSync(path, JSON.stringify({ action: 'synchronize', number, pull_request: { number, head: { sha: headSha, ref: 'feature' }, base: { ref: 'main' } }, repository: { full_name: 'acme/orders' } }));
  return path;
}

function plan(dir: string, args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(['plan', ...args, '-c', join(dir, 'synchook.yaml')], { env: { GITHUB_EVENT_PATH: undefined, GITHUB_EVENT_NAME: 'pull_request', GITHUB_TOKEN: undefined, ...env } });
}

const onPullRequest = (number: number) => standIn().comments.filter((comment) => comment.issue === number);
const topicList = (names: string[]) => `topics:\n${names.map((name) => `  - { name: ${name}, partitions: 1, replicationFactor: 1 }`).join('\n')}\n`;

describe(`plan comments on the pull request (Kafka ${process.env.SYNCHOOK_KAFKA_VERSION ?? '3.9'})`, () => {
  it('posts one comment and edits that same comment on the next push', async () => {
    const dir = configDir(topicList([`comment-it-${run}.orders`]));
    const first = sha();
    const posted = await plan(dir, ['--comment'], { GITHUB_EVENT_PATH: pullRequestEvent(dir, 7, first) });
    expect(posted.code).toBe(0);
    expect(onPullRequest(7)).toHaveLength(1);
    const body = onPullRequest(7)[0]!.body;
    expect(body.startsWith(MARKER)).toBe(true);
    expect(body).toContain(`Planned for commit ${first}.`);
    expect(body).toMatch(/<details open><summary><b>topics<\/b>/);
    expect(body).toContain(`+ topic comment-it-${run}.orders`);

    // Someone else comments in between; the next push edits synchook's comment, not theirs.
    standIn().comments.push({ id: 9_000_001, repository: 'acme/orders', issue: 7, body: 'looks good', updates: 0 });
    const second = sha();
    writeFileSync(join(dir, 'topics.yaml'), topicList([`comment-it-${run}.orders`, `comment-it-${run}.payments`]));
    const updated = await plan(dir, ['--comment'], { GITHUB_EVENT_PATH: pullRequestEvent(dir, 7, second) });
    expect(updated.code).toBe(0);
    const ours = onPullRequest(7).filter((comment) => comment.body.includes(MARKER));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.updates).toBe(1);
    expect(ours[0]!.body).toContain(`Planned for commit ${second}.`);
    expect(ours[0]!.body).toContain(`+ topic comment-it-${run}.payments`);
    expect(onPullRequest(7).find((comment) => comment.id === 9_000_001)!.body).toBe('looks good');
  });

  it('--pull-request N without an event; violations come first; report.github.comment does the same as --comment', async () => {
    const dir = configDir(topicList([`comment-it-${run}.ok`, '"not a valid name!"']), '    comment: true');
    const result = await plan(dir, ['--pull-request', '12', '--sha', 'a'.repeat(40)]);
    expect(result.code).toBe(1);
    const body = onPullRequest(12)[0]!.body;
    expect(body).toContain(`Planned for commit ${'a'.repeat(40)}.`);
    expect(body.indexOf('#### Violations (1)')).toBeGreaterThan(0);
    expect(body.indexOf('#### Violations')).toBeLessThan(body.indexOf('<details'));
  });

  it('no pull request found: a warning and the plan\'s own exit code; with required: true, exit 2', async () => {
    const dir = configDir(topicList([`comment-it-${run}.none`]));
    const lenient = await plan(dir, ['--comment']);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toContain('no pull request to comment on. Run on a pull_request event (GITHUB_EVENT_PATH) or pass --pull-request N.');
    const strict = await plan(configDir(topicList([`comment-it-${run}.none`]), '    required: true'), ['--comment']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain('no pull request to comment on');
  });

  it('a token without permission (403): a message naming the permission; required: true fails the run', async () => {
    const dir = configDir(topicList([`comment-it-${run}.denied`]));
    standIn().fault({ kind: 403, operationId: 'issues/create-comment', times: 10 });
    const lenient = await plan(dir, ['--comment', '--pull-request', '21']);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toContain('GitHub refused it (403). The token needs \\"Pull requests: write\\"');
    const strict = await plan(configDir(topicList([`comment-it-${run}.denied`]), '    required: true'), ['--comment', '--pull-request', '21']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain('The token needs \\"Pull requests: write\\"');
    expect(onPullRequest(21)).toHaveLength(0);
  });

  it('a plan longer than GitHub allows is cut at its limit with a note', async () => {
    const names = Array.from({ length: 900 }, (_, index) => `comment-it-${run}.a-rather-long-topic-name-for-a-long-plan-${String(index).padStart(4, '0')}`);
    const dir = configDir(topicList(names));
    const result = await plan(dir, ['--comment', '--pull-request', '31']);
    expect(result.code).toBe(0);
    const body = onPullRequest(31)[0]!.body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.length).toBeGreaterThan(60_000);
    expect(body).toMatch(/The plan is cut here: it is longer than GitHub's limit of 65,536 characters for a comment\. The full plan is in the job summary\.\n$/);
    expect(body).toContain(names[0]);
    expect(body).not.toContain(names[899]);
  });
});
