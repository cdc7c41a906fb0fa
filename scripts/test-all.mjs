#!/usr/bin/env node
// `npm test`: type checks, the desktop build, and the unit tests, ending with the one summary line CI reads
// ("N passed, N failed"). Each step runs even if an earlier one failed, so one run shows every problem.
// Whatever was skipped (native-only tests without the addon, end-to-end tests without Chromium) is listed
// with its reason just above that line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = (name) => join('node_modules', '.bin', name);
let passed = 0;
let failed = 0;
const skipped = [];

function skip(title, reason) {
  skipped.push(`${title}: ${reason}`);
  process.stdout.write(`\n=== ${title}: SKIPPED (${reason})\n`);
}

function step(title, command, args) {
  process.stdout.write(`\n=== ${title}: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  const ok = result.status === 0;
  if (ok) passed++;
  else failed++;
  process.stdout.write(`=== ${title}: ${ok ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`}\n`);
  return ok;
}

// The addon with every compiler it must build with, each in a temporary directory (native/build, which the
// tests load, is npm install's build). A compiler that is not installed is skipped with its reason (exit 77).
for (const [title, mode] of [['native sources portable', 'lint'], ['native addon (GCC)', 'gcc'], ['native addon (Clang)', 'clang'], ['native addon (mingw-w64, Windows, compile only)', 'mingw']]) {
  process.stdout.write(`\n=== ${title}: node scripts/native-builds.mjs ${mode}\n`);
  const result = spawnSync(process.execPath, ['scripts/native-builds.mjs', mode], { stdio: 'inherit' });
  if (result.status === 77) skip(title, 'its compiler is not installed here (the reason is printed above)');
  else if (result.status === 0) passed++;
  else failed++;
  process.stdout.write(`=== ${title}: ${result.status === 77 ? 'skipped' : result.status === 0 ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`}\n`);
}

// The committed WebAssembly module (native/wasm/backprop.wasm) rebuilt from its sources where clang,
// wasm-ld and wasi-libc are installed, and compared byte for byte: a stale module fails here.
{
  const title = 'WebAssembly module matches its sources';
  process.stdout.write(`\n=== ${title}: node scripts/build-wasm.mjs --check\n`);
  const result = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { stdio: 'inherit' });
  if (result.status === 77) skip(title, 'it cannot be rebuilt here (the reason is printed above); the unit tests still check its sources\' hashes');
  else if (result.status === 0) passed++;
  else failed++;
  process.stdout.write(`=== ${title}: ${result.status === 77 ? 'skipped' : result.status === 0 ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`}\n`);
}

step('import boundaries (eslint)', bin('eslint'), ['.']);
step('no unused files, exports or dependencies (knip)', bin('knip'), []);
step('typecheck (node)', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']);
step('typecheck (e2e)', bin('tsc'), ['-p', 'tsconfig.e2e.json', '--noEmit']);
step('typecheck (renderer)', bin('vue-tsc'), ['-p', 'tsconfig.web.json', '--noEmit']);
if (step('desktop build', bin('electron-vite'), ['build'])) {
  // electron-vite does not report some bundling errors (see ENVIRONMENT.md); a syntax check does.
  step('built main parses', process.execPath, ['--check', 'out/main/index.js']);
}

/**
 * One vitest project: `unit` (every *.test.ts) or `chapters` (the book's experiments reproduced and the full
 * gradient checks, src-engine/chapters: slow by nature, so timed apart from the unit tests).
 */
function vitestProject(project, title) {
  const reportDir = mkdtempSync(join(tmpdir(), 'bpw-vitest-'));
  const report = join(reportDir, 'report.json');
  // scripts/vitest-global-setup.ts writes here why native-only tests are skipped, when they are.
  const nativeSkipFile = join(reportDir, 'native-skip.txt');
  process.stdout.write(`\n=== ${title}: vitest run --project ${project}\n`);
  const started = Date.now();
  const vitest = spawnSync(bin('vitest'), ['run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], {
    stdio: 'inherit',
    env: { ...process.env, BACKPROP_NATIVE_SKIP_FILE: nativeSkipFile },
  });
  const failedBefore = failed;
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    passed += json.numPassedTests;
    failed += json.numFailedTests;
    const notRun = json.numPendingTests + json.numTodoTests;
    if (notRun > 0) skip(`${title}: ${notRun} of ${json.numTotalTests}`, existsSync(nativeSkipFile) ? `native-only: ${readFileSync(nativeSkipFile, 'utf8').trim()}` : 'see the vitest output above');
    // A suite that fails to load has no failing test of its own: count it so it cannot pass silently.
    failed += json.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.length === 0).length;
  } catch {
    failed++;
    process.stdout.write(`vitest wrote no report (exit ${vitest.status ?? vitest.signal})\n`);
  }
  rmSync(reportDir, { recursive: true, force: true });
  if (vitest.status !== 0 && failed === failedBefore) failed++;
  process.stdout.write(`=== ${title}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

vitestProject('unit', 'unit tests');
vitestProject('chapters', 'chapter tests');

// End-to-end tests need a browser: Debian's Chromium (installed by .ci/run), or CHROMIUM_PATH.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) skip('end-to-end tests', `no Chromium at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH)`);
else if (!existsSync('out/renderer/index.html')) skip('end-to-end tests', 'no renderer build (the desktop build step failed)');
else {
  const e2eDir = mkdtempSync(join(tmpdir(), 'bpw-e2e-'));
  const e2eReport = join(e2eDir, 'report.json');
  // playwright.config.ts writes here why the desktop (Electron) project is left out, when it is.
  const electronSkipFile = join(e2eDir, 'electron-skip.txt');
  process.stdout.write(`\n=== end-to-end tests: playwright test (${chromium})\n`);
  const e2e = spawnSync(bin('playwright'), ['test', '--reporter=list,json'], {
    stdio: 'inherit',
    env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: e2eReport, BACKPROP_E2E_SKIP_FILE: electronSkipFile },
  });
  if (existsSync(electronSkipFile)) skip('end-to-end tests in the desktop app', readFileSync(electronSkipFile, 'utf8').trim());
  const failedBefore = failed;
  try {
    const stats = JSON.parse(readFileSync(e2eReport, 'utf8')).stats;
    passed += stats.expected + stats.flaky;
    failed += stats.unexpected;
    if (stats.skipped > 0) skip(`end-to-end tests: ${stats.skipped}`, 'see the playwright output above');
  } catch {
    failed++;
    process.stdout.write(`playwright wrote no report (exit ${e2e.status ?? e2e.signal})\n`);
  }
  // Playwright can fail before any test runs (its web server's port taken, a config error): its report then
  // counts nothing, so the exit status is what says it failed.
  if (e2e.status !== 0 && failed === failedBefore) {
    failed++;
    process.stdout.write(`playwright failed with no failing test counted (exit ${e2e.status ?? e2e.signal}): counted as one failure\n`);
  }
  rmSync(e2eDir, { recursive: true, force: true });
}

if (skipped.length > 0) process.stdout.write(`\nSkipped:\n${skipped.map((line) => `  - ${line}\n`).join('')}`);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
