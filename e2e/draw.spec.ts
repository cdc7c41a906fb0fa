import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { test as base, expect } from '@playwright/test';
import { writeRunFixtures } from '../src-services/runs/test-support/run-fixtures';
import type { RunRecord } from '../src-shared/run-record';
import { screenshotView } from './fixtures';
import { startOwnHost } from './own-host';

/**
 * The Draw view over a store of fixture runs of known accuracies (its own web host; nothing trains): the
 * model picker starts on the best finished run and shows its accuracy, and a dot asks to draw larger
 * instead of being classified.
 */
const runsDirectory = resolve('test-results/e2e-draw-runs');

const test = base.extend<object, { drawHost: { url: string; records: readonly RunRecord[] } }>({
  drawHost: [
    async ({}, use) => {
      rmSync(runsDirectory, { recursive: true, force: true });
      const records = await writeRunFixtures(runsDirectory, { runs: 12 });
      const host = await startOwnHost(runsDirectory);
      await use({ url: host.url, records });
      await host.stop();
    },
    { scope: 'worker' },
  ],
});

test('the best finished run is the default model; a dot asks to draw larger', async ({ page, drawHost }, testInfo) => {
  const finished = drawHost.records.filter((r) => r.status === 'completed' || r.status === 'stopped');
  const best = finished.reduce((a, b) => ((b.summary?.bestTestAccuracy ?? 0) > (a.summary?.bestTestAccuracy ?? 0) ? b : a));
  // The best is not simply the newest, so the default rule shows.
  expect(best.id).not.toBe(finished[0]!.id);

  await page.goto(drawHost.url);
  await page.getByRole('tab', { name: 'Draw' }).click();
  await expect(page.getByTestId('model-picker')).toHaveValue(best.id);
  const accuracy = `${(best.summary!.bestTestAccuracy! * 100).toFixed(1)} %`;
  await expect(page.getByTestId('model-accuracy')).toHaveText(`best test accuracy ${accuracy}`);

  // A tap: one dot, far too small to read.
  const box = (await page.getByTestId('draw-pad').boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await expect(page.getByTestId('draw-larger')).toContainText('Draw larger');
  await expect(page.getByTestId('prediction')).toHaveText('–');
  await expect(page.getByTestId('predict-error')).toBeHidden();
  await screenshotView(page, testInfo, 'draw-larger');

  await page.getByTestId('draw-clear').click();
  await expect(page.getByTestId('draw-larger')).toBeHidden();
});
