// Adds up the vitest JSON reports of every suite into one closing line: "N passed, N failed".
// A test file that failed to load (no test in it ran) counts as one failure.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, seconds] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const lines = [];
for (const file of readdirSync(dir).filter((name) => name.endsWith('.json')).sort()) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const brokenFiles = (report.testResults ?? []).filter((result) => result.status === 'failed' && !(result.assertionResults ?? []).some((a) => a.status === 'failed')).length;
  passed += report.numPassedTests;
  failed += report.numFailedTests + brokenFiles;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  lines.push(`  ${file.replace(/\.json$/, '')}: ${report.numPassedTests} passed, ${report.numFailedTests + brokenFiles} failed`);
}
console.log(`\nsuites (${seconds} s):\n${lines.join('\n')}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
