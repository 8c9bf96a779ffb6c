import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../../src/clients/registry-transport.js';

describe('Retry-After of a 429 answer', () => {
  const now = Date.parse('2026-12-03T10:00:00Z');

  it('reads delay-seconds', () => {
    expect(retryAfterMs('5', now)).toBe(5_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date, and a date in the past as no wait', () => {
    expect(retryAfterMs('Thu, 03 Dec 2026 10:00:07 GMT', now)).toBe(7_000);
    expect(retryAfterMs('Thu, 03 Dec 2026 09:59:00 GMT', now)).toBe(0);
  });

  it('ignores an absent or unreadable value (the usual backoff applies)', () => {
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-3', now)).toBeUndefined();
  });
});
