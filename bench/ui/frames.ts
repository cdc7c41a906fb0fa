import type { CDPSession, Page } from '@playwright/test';

/**
 * Frame gaps as the page sees them: the time between consecutive requestAnimationFrame callbacks, recorded
 * in the page. A gap of 16.7 ms is a smooth 60 Hz; a long gap is a frame the page could not draw in time.
 */
export interface FrameGaps {
  readonly frames: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

declare global {
  interface Window {
    __benchGaps?: number[];
    __benchStop?: boolean;
  }
}

/**
 * The recorder, as source text: a function compiled by tsx would carry its `__name` helper, which the
 * page does not have.
 */
const RECORDER = `
  window.__benchGaps = [];
  window.__benchStop = false;
  let last = performance.now();
  requestAnimationFrame(function tick(now) {
    window.__benchGaps.push(now - last);
    last = now;
    if (!window.__benchStop) requestAnimationFrame(tick);
  });
`;

/** Starts recording frame gaps in the page (until `takeFrameGaps(page, true)`). */
export async function startFrameGaps(page: Page): Promise<void> {
  await page.evaluate(RECORDER);
}

/** The frame gaps (ms) recorded since `startFrameGaps` or the last call; with `stop`, recording ends. */
export async function takeFrameGaps(page: Page, stop = false): Promise<number[]> {
  return page.evaluate((end) => {
    window.__benchStop = end;
    return window.__benchGaps!.splice(0);
  }, stop);
}

export function summarise(gaps: readonly number[]): FrameGaps {
  const sorted = [...gaps].sort((a, b) => a - b);
  const at = (q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
  const round = (v: number): number => Math.round(v * 10) / 10;
  return { frames: gaps.length, p95Ms: round(at(0.95)), maxMs: round(sorted.at(-1) ?? 0) };
}

/** The page's JS heap in use (CDP Performance.getMetrics JSHeapUsedSize), in MB. */
export async function heapMb(session: CDPSession): Promise<number> {
  await session.send('HeapProfiler.collectGarbage').catch(() => undefined);
  const { metrics } = await session.send('Performance.getMetrics');
  const used = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
  return Math.round((used / 2 ** 20) * 10) / 10;
}
