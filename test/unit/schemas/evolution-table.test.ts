import { describe, expect, it } from 'vitest';
import { checkCompatibility, describeFindings } from '../../../src/tasks/schemas/compat/index.js';
import { COMPATIBILITY_LEVELS } from '../../../src/tasks/schemas/config.js';
import { EVOLUTION_CASES } from '../../fixtures/schemas/evolution-cases.js';
import { schema } from './helpers.js';

// The same table runs against the real registry in test/integration/schemas-compatibility.test.ts.
describe('offline compatibility verdicts', () => {
  it('cover every compatibility level with at least 20 cases', () => {
    expect(EVOLUTION_CASES.length).toBeGreaterThanOrEqual(20);
    expect(new Set(EVOLUTION_CASES.map((item) => item.level))).toEqual(new Set(COMPATIBILITY_LEVELS));
  });

  it.each(EVOLUTION_CASES.map((item) => [`${item.level} ${item.name}`, item] as const))('%s', (_, item) => {
    const verdict = checkCompatibility(
      item.level,
      schema(item.type, item.candidate),
      item.history.map((version, index) => ({ schema: schema(item.type, version), label: `version ${index + 1}` })),
    );
    expect({ compatible: verdict.compatible, why: describeFindings(verdict.findings), undecided: verdict.undecided }).toMatchObject({ compatible: item.compatible, undecided: [] });
    if (!item.compatible) expect(verdict.findings.length).toBeGreaterThan(0);
  });
});
