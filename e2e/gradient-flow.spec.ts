import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { writeRunFixtures } from '../src-services/runs/test-support/run-fixtures';
import type { RunRecord } from '../src-shared/run-record';
import { screenshotView } from './fixtures';
import { startOwnHost } from './own-host';

/**
 * The gradient flow over training, in a store of its own that also holds a run recorded before gradient
 * statistics were: a deep sigmoid net with std 0.01 shows its vanishing gradient in the Train view (Affine1's
 * ‖∂L/∂W‖ orders of magnitude under the output layer's), the same net with BatchNorm shows it restored, the
 * Runs overlay draws both, and the old run says it has none.
 */
const runsDirectory = resolve('test-results/e2e-gradient-flow-runs');

const test = base.extend<object, { flowHost: { url: string; old: RunRecord } }>({
  flowHost: [
    async ({}, use) => {
      rmSync(runsDirectory, { recursive: true, force: true });
      const [old] = await writeRunFixtures(runsDirectory, { runs: 1 });
      const host = await startOwnHost(runsDirectory);
      await use({ url: host.url, old: old! });
      await host.stop();
    },
    { scope: 'worker' },
  ],
});
test.describe.configure({ mode: 'serial' });

/** The Runs table's row of the run named exactly `name`. */
const rowOf = (page: Page, name: string) => page.getByTestId('run-row').filter({ has: page.getByText(name, { exact: true }) });

/** The chart's summary for screen readers: "‖∂L/∂W‖ at iteration N: Affine1 1.2e-8, …" as numbers per layer. */
async function latestValues(page: Page): Promise<number[]> {
  const label = (await page.getByTestId('gradient-chart').getAttribute('aria-label')) ?? '';
  return [...label.matchAll(/Affine\d+ (\S+?)(?:,|$)/g)].map((m) => Number(m[1]));
}

/** Five hidden sigmoid layers of 100 with std 0.01 weights, SGD lr 0.1, 600 iterations evaluated every 100. */
async function trainDeepSigmoid(page: Page, name: string, batchNorm: boolean): Promise<void> {
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.getByTestId('preset').selectOption('five-layer-relu');
  await page.getByTestId('add-layer').click();
  await expect(page.getByTestId('layer-shape')).toHaveText('784 → 100 → 100 → 100 → 100 → 100 → 10');
  await page.getByTestId('activation').selectOption('sigmoid');
  await page.getByTestId('init-kind').selectOption('std');
  await page.getByTestId('init-std').fill('0.01');
  await page.getByTestId('lr').fill('0.1');
  await page.getByTestId('batch-size').fill('100');
  await page.getByTestId('length-kind').selectOption('iterations');
  await page.getByTestId('iterations').fill('600');
  await page.getByTestId('evaluate-every').fill('100');
  await page.getByTestId('evaluation-samples').fill('1000');
  await page.getByTestId('batch-norm').setChecked(batchNorm);
  await page.getByTestId('run-name').fill(name);
  await page.getByTestId('start-from-network').click();
  await expect(page.getByRole('tab', { name: 'Train' })).toHaveAttribute('aria-selected', 'true');
  // The view follows the new run (not the one it showed before) until it completes.
  await expect(page.locator('[data-testid="train-status"] strong')).toHaveText(name);
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 90_000 });
}

test('a deep sigmoid net\'s vanishing gradient, restored by BatchNorm, per layer over training and across runs', async ({ page, flowHost }, testInfo) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(flowHost.url);

  await trainDeepSigmoid(page, 'e2e sigmoid std 0.01', false);
  const flow = page.getByTestId('gradient-flow');
  // Seven evaluations (after updates 0, 100, …, 500, and the final one at 600), the last one listed per layer.
  await expect(flow.getByTestId('gradient-latest').locator('caption')).toHaveText('At iteration 600');
  await expect(flow.getByTestId('gradient-latest').locator('tbody tr')).toHaveCount(6);
  await expect(flow.getByTestId('gradient-chart')).toHaveAttribute('aria-label', /^‖∂L\/∂W‖ at iteration 600: Affine1 \S+, Affine2 .*, Affine6 \S+$/);
  const vanishing = await latestValues(page);
  expect(vanishing).toHaveLength(6);
  // Each sigmoid layer passes back a few percent of the gradient it gets: Affine1's is under 1e-5 of Affine6's.
  expect(vanishing[0]! / vanishing[5]!).toBeLessThan(1e-5);
  await flow.scrollIntoViewIfNeeded();
  await screenshotView(page, testInfo, 'train-gradient-flow', { fullPage: true });

  // Keyboard: the statistic picker and the log scale switch.
  await flow.getByTestId('gradient-statistic').focus();
  await page.keyboard.press('ArrowDown');
  await expect(flow.getByTestId('gradient-statistic')).toHaveValue('biasNorm');
  await expect(flow.getByTestId('gradient-chart')).toHaveAttribute('aria-label', /^‖∂L\/∂b‖ at iteration 600: /);
  await page.keyboard.press('ArrowDown');
  await expect(flow.getByTestId('gradient-chart')).toHaveAttribute('aria-label', /^update \/ weight ‖ΔW‖\/‖W‖ at iteration 600: /);
  await flow.getByTestId('gradient-log').focus();
  await page.keyboard.press('Space');
  await expect(flow.getByTestId('gradient-log')).not.toBeChecked();

  await trainDeepSigmoid(page, 'e2e sigmoid std 0.01 + BatchNorm', true);
  await expect(flow.getByTestId('gradient-latest').locator('tbody tr')).toHaveCount(6);
  // The controls keep their choice from run to run: back to ‖∂L/∂W‖ to compare.
  await flow.getByTestId('gradient-statistic').selectOption('weightNorm');
  const restored = await latestValues(page);
  expect(restored[0]! / restored[5]!).toBeGreaterThan(1e-2);

  // Runs: both new runs and the old one overlaid; the old one is named as recorded without gradient statistics.
  await page.getByRole('tab', { name: 'Runs' }).click();
  for (const name of ['e2e sigmoid std 0.01', 'e2e sigmoid std 0.01 + BatchNorm', flowHost.old.name]) {
    await rowOf(page, name).getByRole('checkbox').check();
  }
  const overlay = page.getByTestId('runs-overlay').getByTestId('gradient-flow');
  await expect(overlay.getByTestId('gradient-without')).toHaveText(`Recorded without gradient statistics: ${flowHost.old.name}.`);
  await expect(overlay.getByTestId('gradient-chart')).toHaveAttribute('aria-label', /e2e sigmoid std 0\.01, ‖∂L\/∂W‖ at iteration 600: Affine1 .*; e2e sigmoid std 0\.01 \+ BatchNorm, ‖∂L\/∂W‖ at iteration 600: /);
  await overlay.getByTestId('gradient-layer').selectOption({ label: 'Affine1' });
  await expect(overlay.getByTestId('gradient-layer')).toHaveValue('0');
  await overlay.scrollIntoViewIfNeeded();
  await screenshotView(page, testInfo, 'runs-gradient-flow', { fullPage: true });

  // The old run alone: the empty state says why.
  for (const name of ['e2e sigmoid std 0.01', 'e2e sigmoid std 0.01 + BatchNorm']) {
    await rowOf(page, name).getByRole('checkbox').uncheck();
  }
  await expect(overlay.getByTestId('gradient-empty')).toHaveText('This run was recorded without gradient statistics.');

  expect(errors).toEqual([]);
});
