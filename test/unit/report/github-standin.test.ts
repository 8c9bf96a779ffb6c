import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../../harness/github-standin.js';

/** The stand-in must refuse what GitHub refuses; otherwise every test built on it proves nothing. */
const TOKEN = 'ghp_standInSelfTest0123456789';
const SHA = 'a'.repeat(40);
let gh: GitHubStandIn;

beforeAll(async () => {
  gh = await startGitHubStandIn({ tokens: [TOKEN] });
});
afterAll(async () => {
  await gh.close();
});

async function call(method: string, path: string, body?: unknown, token = TOKEN) {
  const before = gh.requests.length;
  const response = await fetch(`${gh.url}${path}`, {
    method,
    headers: { authorization: `token ${token}`, 'content-type': 'application/json', accept: 'application/vnd.github+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, problems: gh.requests.slice(before).flatMap((request) => request.problems) };
}

describe('the GitHub stand-in', () => {
  it('accepts a valid commit status and records it', async () => {
    const result = await call('POST', `/repos/acme/orders/statuses/${SHA}`, { state: 'pending', context: 'ci/x', description: 'ok', target_url: 'https://example.com' });
    expect(result).toEqual({ status: 201, problems: [] });
    expect(gh.latest(SHA)['ci/x']).toEqual({ state: 'pending', description: 'ok', target_url: 'https://example.com' });
  });

  it.each([
    ['a state outside the enum', { state: 'running', context: 'c' }, /body\/state must be equal to one of the allowed values \(error, failure, pending, success\)/],
    ['a missing required field', { context: 'c' }, /must have required property 'state'/],
    ['a field GitHub does not know', { state: 'success', colour: 'green' }, /body field "colour" is not in GitHub's schema/],
    ['a wrong type', { state: 'success', description: 42 }, /body\/description must be string/],
    ['a description over 140 characters', { state: 'success', description: 'x'.repeat(141) }, /description is 141 characters; GitHub allows 140/],
  ])('refuses %s', async (_name, body, problem) => {
    const result = await call('POST', `/repos/acme/orders/statuses/${SHA}`, body);
    expect(result.status).toBe(422);
    expect(result.problems.join('\n')).toMatch(problem);
  });

  it('refuses a path or method GitHub does not have', async () => {
    expect((await call('POST', `/repos/acme/orders/status/${SHA}`, { state: 'success' })).problems.join()).toMatch(/no such path in GitHub's API/);
    expect((await call('PUT', `/repos/acme/orders/statuses/${SHA}`, { state: 'success' })).problems.join()).toMatch(/no PUT on it/);
  });

  it('refuses a SHA that is not a full commit, and a bad token', async () => {
    expect((await call('POST', '/repos/acme/orders/statuses/main', { state: 'success' })).problems.join()).toMatch(/not a full commit SHA/);
    const unauthorised = await call('POST', `/repos/acme/orders/statuses/${SHA}`, { state: 'success' }, 'ghp_wrong');
    expect(unauthorised).toEqual({ status: 401, problems: [] });
  });

  it('checks path parameters against their schema', async () => {
    expect((await call('POST', '/app/installations/not-a-number/access_tokens', {})).problems.join()).toMatch(/installation_id: "not-a-number" is not an integer/);
  });
});
