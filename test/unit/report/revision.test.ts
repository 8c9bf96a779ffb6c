import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { parseRevision } from '../../../src/report/sha/revision.js';

const SHA = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d';

describe('commit SHAs from revision strings', () => {
  it.each([
    [SHA, 'a bare SHA'],
    [SHA.toUpperCase(), 'upper case'],
    [`main@sha1:${SHA}`, 'Flux v2 branch revision'],
    [`refs/heads/release/1.2@sha1:${SHA}`, 'Flux v2 full ref'],
    [`v1.2.0@sha1:${SHA}`, 'Flux v2 tag revision'],
    [`sha1:${SHA}`, 'Flux revision without ref'],
    [`main/${SHA}`, 'Flux v1 revision'],
    [`  ${SHA}\n`, 'surrounding whitespace'],
  ])('accepts %s (%s)', (value) => {
    expect(parseRevision(value, 'report.github.sha')).toBe(SHA);
  });

  it.each([
    ['1a2b3c4', /7 hex digits; GitHub needs the full 40-character commit SHA/],
    [`main@sha1:${SHA.slice(0, 12)}`, /12 hex digits/],
    [`latest@sha256:${'ab'.repeat(32)}`, /sha256 digest \(an OCI artifact or a Helm chart\), not a Git commit/],
    ['main', /a branch or tag name cannot be reported to/],
    ['HEAD', /a branch or tag name/],
    ['', /empty/],
    [`${SHA}0`, /not a commit SHA/],
  ])('refuses %j with a ConfigError that says why', (value, reason) => {
    let error: unknown;
    try {
      parseRevision(value, '--sha');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/^--sha: /);
    expect((error as Error).message).toMatch(reason);
  });
});
