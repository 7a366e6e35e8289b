// Prints vitest's JSON report as one plain closing line ("N passed, N failed, N skipped") and
// exits non-zero when anything failed, so CI reads the result the same way in any runner.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'build/vitest.json';
const report = JSON.parse(readFileSync(file, 'utf8'));
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 || report.success === false ? 1 : 0);
