import { describe, expect, it } from 'vitest';
import { registerSecret } from '../../../src/log.js';
import { MAX_DESCRIPTION_LENGTH, statusDescription } from '../../../src/report/github/description.js';

describe('commit status descriptions', () => {
  it('keeps a short summary as it is, on one line', () => {
    expect(statusDescription('3 topics created,\n 1 config changed')).toBe('3 topics created, 1 config changed');
  });

  it('cuts a long summary at a word, ends it with "…", and stays within 140 characters', () => {
    const long = `rejected: topic orders.v1: partitions 12 → 6 is a decrease; Kafka cannot remove partitions. Create a new topic or keep 12. ${'and more words '.repeat(10)}`;
    const text = statusDescription(long);
    expect(text.length).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH);
    expect(text.endsWith('…')).toBe(true);
    expect(long.startsWith(text.slice(0, -1))).toBe(true);
    // The cut falls between words: the original goes on with a space or punctuation there.
    const kept = text.slice(0, -1);
    expect(long.slice(kept.length)).toMatch(/^[\s,;:.]/);
  });

  it('cuts a single very long token hard rather than returning almost nothing', () => {
    const text = statusDescription(`file ${'x'.repeat(300)}`);
    expect(text.length).toBe(MAX_DESCRIPTION_LENGTH);
    expect(text.endsWith('…')).toBe(true);
  });

  it('never splits a surrogate pair and counts conservatively', () => {
    const text = statusDescription('🚀'.repeat(100));
    expect(text.length).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH);
    expect(text).not.toMatch(/[\uD800-\uDBFF]…$/);
  });

  it('scrubs registered secrets before anything reaches GitHub', () => {
    registerSecret('s3cr3t-registry-pass');
    expect(statusDescription('registry rejected s3cr3t-registry-pass')).toBe('registry rejected [REDACTED]');
  });
});
