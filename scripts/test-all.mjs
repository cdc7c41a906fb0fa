#!/usr/bin/env node
// `npm test`: type checks, the desktop build, and the unit tests, ending with the one summary line CI reads
// ("N passed, N failed"). Each step runs even if an earlier one failed, so one run shows every problem.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = (name) => join('node_modules', '.bin', name);
let passed = 0;
let failed = 0;

function step(title, command, args) {
  process.stdout.write(`\n=== ${title}: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  const ok = result.status === 0;
  if (ok) passed++;
  else failed++;
  process.stdout.write(`=== ${title}: ${ok ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`}\n`);
  return ok;
}

step('typecheck (node)', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']);
step('typecheck (renderer)', bin('vue-tsc'), ['-p', 'tsconfig.web.json', '--noEmit']);
if (step('desktop build', bin('electron-vite'), ['build'])) {
  // electron-vite does not report some bundling errors (see ENVIRONMENT.md); a syntax check does.
  step('built main parses', process.execPath, ['--check', 'out/main/index.js']);
}

const reportDir = mkdtempSync(join(tmpdir(), 'bpw-vitest-'));
const report = join(reportDir, 'report.json');
process.stdout.write(`\n=== unit tests: vitest run\n`);
const vitest = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], { stdio: 'inherit' });
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  // A suite that fails to load has no failing test of its own: count it so it cannot pass silently.
  failed += json.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.length === 0).length;
} catch {
  failed++;
  process.stdout.write(`vitest wrote no report (exit ${vitest.status ?? vitest.signal})\n`);
}
rmSync(reportDir, { recursive: true, force: true });
if (vitest.status !== 0 && failed === 0) failed++;

process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
