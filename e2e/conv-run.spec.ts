import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test as base, expect } from '@playwright/test';
import { writeDenseIdxDataset } from '../src-services/data/idx-fixtures';
import { screenshotView } from './fixtures';
import { startOwnHost } from './own-host';
import { workbenchPage } from './session';

/**
 * A convolutional run (a layer-list config, trained by the CLI on generated 28x28 digits) in the views built
 * for MLPs: Runs labels its layers and its gradient flow Conv1 and Affine1, Draw classifies a drawing with
 * its saliency, Inspect counts its confusion matrix.
 */
const root = resolve('test-results/e2e-conv');
const runsDirectory = join(root, 'runs');
const datasetDirectory = join(root, 'digits');
const NAME = 'e2e conv run';

const test = base.extend<object, { convHost: { url: string } }>({
  convHost: [
    async ({}, use) => {
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root, { recursive: true });
      await writeDenseIdxDataset(datasetDirectory, { train: 600, test: 200 });
      const config = join(root, 'conv.json');
      const layers = [{ type: 'conv', filters: 4, size: 5 }, { type: 'relu' }, { type: 'pool' }, { type: 'affine', units: 10 }];
      writeFileSync(config, JSON.stringify({ dataset: { kind: 'idx', path: datasetDirectory }, network: { layers, weightInit: 'he' }, optimizer: { type: 'adam', lr: 0.003 } }));
      const flags = ['--config', config, '--iterations', '40', '--evaluate-every', '20', '--name', NAME, '--runs-dir', runsDirectory, '--backend', 'ts'];
      execFileSync(process.execPath, ['--import', 'tsx', 'src-cli/train.ts', ...flags], { stdio: 'ignore' });
      const host = await startOwnHost(runsDirectory);
      await use({ url: host.url });
      await host.stop();
    },
    { scope: 'worker' },
  ],
});

test('a conv run in Runs, Draw and Inspect: its layers named, a drawing classified with its saliency, its confusion matrix', async ({ page, convHost }, testInfo) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(new URL(workbenchPage(), convHost.url).href);

  await page.getByRole('tab', { name: 'Runs' }).click();
  const row = page.getByTestId('run-row').filter({ has: page.getByText(NAME, { exact: true }) });
  await expect(row).toHaveAttribute('data-status', 'completed');
  await expect(row).toContainText('conv4×5 pool2 10');
  await row.getByRole('checkbox').check();
  const flow = page.getByTestId('runs-overlay').getByTestId('gradient-flow');
  await expect(flow.getByTestId('gradient-chart')).toHaveAttribute('aria-label', /^‖∂L\/∂W‖ at iteration 40: Conv1 \S+, Affine1 \S+$/);
  await expect(flow.getByTestId('gradient-latest').locator('tbody th')).toHaveText(['Conv1', 'Affine1']);
  await screenshotView(page, testInfo, 'runs-conv', { fullPage: true });

  await page.getByRole('tab', { name: 'Draw' }).click();
  await expect(page.getByTestId('model-picker').locator('option:checked')).toContainText(NAME);
  const box = (await page.getByTestId('draw-pad').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.8, { steps: 12 });
  await page.mouse.up();
  await expect(page.getByTestId('prediction')).toHaveText(/^\d \(\d+(\.\d+)? ?%\)$/);
  const predicted = (await page.getByTestId('prediction').textContent())!.charAt(0);
  await expect(page.getByTestId('saliency-map')).toHaveAttribute('data-class', predicted);
  await screenshotView(page, testInfo, 'draw-conv');

  await page.keyboard.press('Alt+8');
  await expect(page.getByTestId('confusion-matrix').locator('caption')).toContainText('on 200 test images', { timeout: 60_000 });
  await screenshotView(page, testInfo, 'inspect-conv');
  expect(errors).toEqual([]);
});
