import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlanJson } from '../../../src/tasks/terraform/plan-json.js';
import { sensitivePlanFileWarning } from '../../../src/tasks/terraform/sensitive.js';

/** Plans written by real Terraform (test/fixtures/terraform), some with values marked sensitive. */
const FIXTURES = join(import.meta.dirname, '../../fixtures/terraform');
const plan = (file: string) => parsePlanJson(readFileSync(join(FIXTURES, file), 'utf8'), file);

describe('values a plan file marks sensitive', () => {
  it.each([
    ['shared-plans/has_checks.json', ['module.files.local_file.foo["file1.txt"]', 'module.files.local_file.foo["file2.txt"]']],
    ['shared-plans/110_basic.json', ['output.foo']],
    ['shared-plans/no_changes.json', ['output.foo']],
    ['terraform-1.5.7/mixed.json', []],
    ['terraform-1.5.7/create.json', []],
    ['shared-plans/moved_block.json', []],
  ])('%s: %j', (file, expected) => {
    expect(plan(file).sensitive).toEqual(expected);
  });

  it('are named in one warning that says what to do; a plan without any gets none', () => {
    const warning = sensitivePlanFileWarning(plan('shared-plans/has_checks.json').sensitive, 'plans/platform.json');
    expect(warning).toBe(
      'plans/platform.json holds values Terraform marked sensitive (module.files.local_file.foo["file1.txt"], module.files.local_file.foo["file2.txt"]), in clear text: terraform show -json writes them out. Keep such a file out of Git and ConfigMaps; use terraform.workdir, or fetch the plan at run time.',
    );
    expect(sensitivePlanFileWarning(['a', 'b', 'c', 'd', 'e'], 'p.json')).toMatch(/\(a, b, c and 2 more\)/);
    expect(sensitivePlanFileWarning(plan('terraform-1.5.7/mixed.json').sensitive, 'p.json')).toBeUndefined();
  });
});
