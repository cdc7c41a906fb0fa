import type { Browser, Page } from '@playwright/test';
import { heapMb, startFrameGaps, summarise, takeFrameGaps, type FrameGaps } from './frames';
import type { BenchHost } from './host';

async function openPage(browser: Browser, url: string): Promise<{ page: Page; heap: () => Promise<number> }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const session = await page.context().newCDPSession(page);
  await session.send('Performance.enable');
  await page.goto(url);
  return { page, heap: () => heapMb(session) };
}

/** Two animation frames later: what the page shows now has been laid out and painted. */
const painted = (page: Page): Promise<number> => page.evaluate(() => new Promise<number>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))));

export interface LiveResult extends FrameGaps {
  readonly iterationsReached: number;
  readonly targetIterations: number;
  readonly seconds: number;
  readonly status: string;
  /** Per window of about 10 s: iteration at its end, and the frame gaps in it (how the cost grows with the run). */
  readonly windows: ReadonlyArray<{ readonly seconds: number; readonly iteration: number } & FrameGaps>;
  readonly heapMb: number;
}

/**
 * (a) The Train view following a real run as it streams: the native trainer on a tiny network (784-4-10,
 * batch 1) does ~20k iterations/s, so a million-iteration run streams its progress events (20 a second,
 * each with every loss since the last) in about a minute instead of the book network's ~270 s.
 */
export async function liveTraining(browser: Browser, host: BenchHost, iterations: number, capSeconds: number, log: (line: string) => void): Promise<LiveResult> {
  const { page, heap } = await openPage(browser, host.url('#runs'));
  const config = { network: { hiddenSizes: [4] }, training: { batchSize: 1, iterations, evaluationSamples: 2000 }, backend: 'auto' };
  const record = await host.call<{ id: string }>('startRun', { config, name: 'bench live run' });
  await page.locator(`[data-run-id="${record.id}"]`).getByRole('button', { name: 'Watch' }).click();
  await page.getByTestId('iteration').waitFor();
  await startFrameGaps(page);
  const started = Date.now();
  const all: number[] = [];
  const windows: LiveResult['windows'][number][] = [];
  let iteration = 0;
  let status = '';
  while (Date.now() - started < capSeconds * 1000) {
    await page.waitForTimeout(10_000);
    const gaps = await takeFrameGaps(page);
    all.push(...gaps);
    iteration = Number(await page.getByTestId('iteration').textContent());
    status = (await page.getByTestId('run-status').textContent()) ?? '';
    const window = { seconds: Math.round((Date.now() - started) / 1000), iteration, ...summarise(gaps) };
    windows.push(window);
    log(`live: ${JSON.stringify(window)} ${status}`);
    if (!['queued', 'running', 'paused'].includes(status.trim())) break;
  }
  all.push(...(await takeFrameGaps(page, true)));
  if (['queued', 'running', 'paused'].includes(status.trim())) await host.call('stopRun', { id: record.id }).catch(() => undefined);
  const result = { ...summarise(all), iterationsReached: iteration, targetIterations: iterations, seconds: Math.round((Date.now() - started) / 1000), status: status.trim(), windows, heapMb: await heap() };
  await page.close();
  return result;
}

export interface OverlayResult {
  readonly runs: number;
  readonly iterationsEach: number;
  /** While the four curves load and draw (6 s from ticking the boxes). */
  readonly loading: FrameGaps;
  /** Zooming in twice and out again with the chart's buttons (where the chart has them). */
  readonly zooming: FrameGaps | null;
  readonly heapMb: number;
}

/** (b) Runs with four long stored runs ticked for the overlay: frame gaps while they load and draw, and while zooming. */
export async function overlay(browser: Browser, host: BenchHost, names: readonly string[], iterationsEach: number, log: (line: string) => void): Promise<OverlayResult> {
  const { page, heap } = await openPage(browser, host.url('#runs'));
  await page.getByRole('checkbox', { name: `Overlay ${names[0]}` }).waitFor();
  await startFrameGaps(page);
  for (const name of names) await page.getByRole('checkbox', { name: `Overlay ${name}` }).check();
  await page.getByTestId('runs-overlay').locator('canvas').first().waitFor();
  await page.waitForTimeout(6000);
  const loading = summarise(await takeFrameGaps(page));
  log(`overlay loading: ${JSON.stringify(loading)}`);
  let zooming: FrameGaps | null = null;
  const zoomIn = page.getByTestId('runs-overlay').getByRole('button', { name: 'Zoom in' });
  if (await zoomIn.count()) {
    for (const button of ['Zoom in', 'Zoom in', 'Zoom out', 'Pan left']) {
      await page.getByTestId('runs-overlay').getByRole('button', { name: button }).click();
      await page.waitForTimeout(1500);
    }
    zooming = summarise(await takeFrameGaps(page));
    log(`overlay zooming: ${JSON.stringify(zooming)}`);
  }
  await takeFrameGaps(page, true);
  const result = { runs: names.length, iterationsEach, loading, zooming, heapMb: await heap() };
  await page.close();
  return result;
}

export interface ManyRunsResult {
  readonly runs: number;
  /** From navigation to the first rows painted (includes listing the runs from disk). */
  readonly loadToRowsMs: number;
  /** Of which: the page's own load (HTML, scripts, styles parsed and run: DOMContentLoaded), before any run is listed. */
  readonly pageLoadedMs: number;
  /** Clicking the Name column's sort until the re-sorted table is painted. */
  readonly sortMs: number;
  readonly rowsInDom: number;
  readonly pageOverflowsSideways: boolean;
  readonly tableOverflowsSideways: boolean;
  readonly heapMb: number;
}

/** (c) The Runs view with thousands of stored runs at 1280x800. */
export async function manyRuns(browser: Browser, host: BenchHost, count: number): Promise<ManyRunsResult> {
  const { page, heap } = await openPage(browser, host.url('#runs'));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length > 0, undefined, { timeout: 120_000 });
  const loadToRowsMs = Math.round(await painted(page));
  const pageLoadedMs = Math.round(await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).domContentLoadedEventEnd));
  const before = await page.evaluate(() => performance.now());
  await page.getByRole('columnheader', { name: /^Name/ }).getByRole('button').click();
  const sortMs = Math.round((await painted(page)) - before);
  const layout = await page.evaluate(() => {
    const scroller = document.scrollingElement!;
    const table = document.querySelector('[data-testid="runs-table"]');
    const wrap = table?.parentElement;
    return {
      rowsInDom: document.querySelectorAll('[data-testid="run-row"]').length,
      pageOverflowsSideways: scroller.scrollWidth > scroller.clientWidth,
      tableOverflowsSideways: wrap ? wrap.scrollWidth > wrap.clientWidth : false,
    };
  });
  const result = { runs: count, loadToRowsMs, pageLoadedMs, sortMs, ...layout, heapMb: await heap() };
  await page.close();
  return result;
}
