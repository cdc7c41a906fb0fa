import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test as base, expect } from '@playwright/test';
import { writeDenseIdxDataset } from '../src-services/data/idx-fixtures';
import { FASHION_MNIST_CLASSES } from '../src-renderer/draw/class-names';
import { screenshotView } from './fixtures';
import { startOwnHost } from './own-host';
import { workbenchPage } from './session';

/**
 * A run on a dataset other than MNIST: an IDX directory named fashion-mnist (generated here, 28x28, ten
 * classes: the repository bundles no Fashion-MNIST) trained by the CLI, then drawn on and inspected. The
 * views use Fashion-MNIST's class names and never say "digit".
 */
const root = resolve('test-results/e2e-fashion');
const runsDirectory = join(root, 'runs');
const datasetDirectory = join(root, 'fashion-mnist');

const test = base.extend<object, { fashionHost: { url: string } }>({
  fashionHost: [
    async ({}, use) => {
      rmSync(root, { recursive: true, force: true });
      await writeDenseIdxDataset(datasetDirectory, { train: 600, test: 200 });
      const flags = ['--dataset', datasetDirectory, '--hidden', '20', '--iterations', '60', '--evaluate-every', '60', '--name', 'e2e fashion run', '--runs-dir', runsDirectory, '--backend', 'ts'];
      execFileSync(process.execPath, ['--import', 'tsx', 'src-cli/train.ts', ...flags], { stdio: 'ignore' });
      const host = await startOwnHost(runsDirectory);
      await use({ url: host.url });
      await host.stop();
    },
    { scope: 'worker' },
  ],
});

test('a Fashion-MNIST run speaks of clothes: Draw and Inspect show its class names and never say digit', async ({ page, fashionHost }, testInfo) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(new URL(workbenchPage(), fashionHost.url).href);

  await page.getByRole('tab', { name: 'Draw' }).click();
  await expect(page.getByTestId('model-picker').locator('option:checked')).toContainText('e2e fashion run');
  const draw = page.locator('main');
  await expect(draw.getByRole('heading', { name: 'Draw an item of clothing' })).toBeVisible();
  // A stroke: the prediction is one of the ten class names, and its bars are labelled with them.
  const box = (await page.getByTestId('draw-pad').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.8, { steps: 12 });
  await page.mouse.up();
  await expect(page.getByTestId('prediction')).toHaveText(new RegExp(`^(${FASHION_MNIST_CLASSES.map((c) => c.replace('/', '\\/')).join('|')}) \\(`));
  await expect(draw).not.toContainText(/digit/i);
  await screenshotView(page, testInfo, 'draw-fashion');

  await page.keyboard.press('Alt+8');
  const matrix = page.getByTestId('confusion-matrix');
  await expect(matrix.locator('caption')).toContainText('on 200 test images', { timeout: 60_000 });
  await expect(matrix.locator('tbody th')).toHaveText(FASHION_MNIST_CLASSES.map((c) => new RegExp(c.replace('/', '\\/'))));
  await expect(page.locator('main')).not.toContainText(/digit/i);
  await screenshotView(page, testInfo, 'inspect-fashion');
  expect(errors).toEqual([]);
});
