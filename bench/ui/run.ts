/**
 * `npm run bench:ui`: how the workbench's page holds up at real scale, in the system Chromium (as the e2e
 * tests drive it), against real web hosts (`src-web/index.ts`) on throwaway run stores:
 *   (a) frame gaps in the Train view while a real run streams past 1M iterations (see liveTraining),
 *   (b) frame gaps in Runs with four 250k-iteration stored runs overlaid,
 *   (c) the Runs view with 5000 stored runs: time to render, and whether it overflows sideways at 1280x800,
 *   (d) the page's JS heap after each.
 * Prints JSON and writes it to bench/results/ui-<time>.json. A measurement, not a test (out of `npm test`).
 * Options: --only live,overlay,runs  --iterations N (live run, default 1000000)  --cap S (live, default 180)
 *          --runs N (default 5000)  --port P (first of the ports used, default 4211)
 *          --no-build (serve out/renderer as built; by default the renderer is built first)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { storedRuns } from './fixtures';
import { BenchHost, buildRenderer } from './host';
import { liveTraining, manyRuns, overlay } from './scenarios';

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'live,overlay,runs' },
    iterations: { type: 'string', default: '1000000' },
    cap: { type: 'string', default: '180' },
    runs: { type: 'string', default: '5000' },
    port: { type: 'string', default: process.env.BENCH_UI_PORT ?? '4211' },
    'no-build': { type: 'boolean', default: false },
  },
});
const only = new Set(values.only.split(','));
const port = Number(values.port);
// The system Chromium, as playwright.config.ts uses it (Playwright's own download is not reachable here).
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const log = (line: string): void => void process.stderr.write(`[bench:ui] ${line}\n`);

buildRenderer(values['no-build']);
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run', '--enable-precise-memory-info'],
});
const scratch = mkdtempSync(join(tmpdir(), 'bpw-bench-ui-'));
const results: Record<string, unknown> = { date: new Date().toISOString(), targets: { liveP95Ms: 33, liveMaxMs: 200, overlayMaxMs: 200, runs5000RenderMs: 1000 } };

/** A scenario on its own web host and run store, closed whatever happens. */
async function withHost<T>(name: string, offset: number, prepare: (root: string) => Promise<void>, run: (host: BenchHost) => Promise<T>): Promise<void> {
  const root = join(scratch, name);
  mkdirSync(root);
  await prepare(root);
  const host = await BenchHost.start(port + offset, root);
  try {
    results[name] = await run(host);
  } catch (error) {
    results[name] = { error: error instanceof Error ? error.message : String(error) };
  } finally {
    await host.close();
  }
  log(`${name}: ${JSON.stringify(results[name])}`);
}

try {
  if (only.has('live')) {
    await withHost('live', 0, async () => undefined, (host) => liveTraining(browser, host, Number(values.iterations), Number(values.cap), log));
  }
  if (only.has('overlay')) {
    const iterations = 250_000;
    let names: string[] = [];
    await withHost(
      'overlay',
      1,
      async (root) => {
        names = (await storedRuns(root, 4, { iterations, metrics: true, prefix: 'long run' })).map((_, i) => `long run ${i}`);
      },
      (host) => overlay(browser, host, names, iterations, log),
    );
  }
  if (only.has('runs')) {
    const count = Number(values.runs);
    await withHost('runs', 2, async (root) => void (await storedRuns(root, count, { iterations: 10_000, metrics: false, prefix: 'stored run' })), (host) => manyRuns(browser, host, count));
  }
} finally {
  await browser.close();
  rmSync(scratch, { recursive: true, force: true });
}

const json = JSON.stringify(results, null, 2);
mkdirSync('bench/results', { recursive: true });
const file = join('bench/results', `ui-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${json}\n`);
process.stdout.write(`${json}\n`);
log(`written to ${file}`);
