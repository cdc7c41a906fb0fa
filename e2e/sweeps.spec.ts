import { expect, screenshotView, test } from './fixtures';

const tinySweep = {
  name: 'e2e tiny search',
  base: { network: { hiddenSizes: [16] }, training: { evaluationSamples: 500 } },
  parameters: [
    { kind: 'log-uniform', path: 'optimizer.lr', min: 0.001, max: 0.5 },
    { kind: 'log-uniform', path: 'network.weightDecay', min: 1e-8, max: 1e-4 },
  ],
  trials: 4,
  trainSubset: 1000,
  epochs: 3,
  seed: 2,
};

test('a sweep defined in the UI runs its trials in parallel, ranks them, plots them, and promotes the best', async ({ app: page }, testInfo) => {
  await page.getByRole('tab', { name: 'Sweeps' }).click();
  const editor = page.getByTestId('sweep-json');
  await editor.fill('{ "parameters": [] }');
  await expect(page.getByTestId('sweep-problems')).toContainText('parameters');
  await expect(page.getByTestId('start-sweep')).toBeDisabled();

  await editor.fill(JSON.stringify(tinySweep, null, 2));
  await page.getByTestId('start-sweep').click();
  await expect(page.getByTestId('sweep-progress')).toHaveText('4 / 4 trials done', { timeout: 90_000 });
  await expect(page.getByTestId('sweep-row')).toHaveCount(4);
  // Rank, trial, status, validation and train accuracy, then one column per parameter: ranked by validation
  // accuracy, every trial completed, every drawn value inside its range.
  await expect(page.getByTestId('sweep-results').locator('thead th')).toHaveText(['Rank', 'Trial', 'Status', 'Validation acc.', 'Train acc.', 'optimizer.lr', 'network.weightDecay', 'Actions']);
  const cells = await page.getByTestId('sweep-row').evaluateAll((rows) => rows.map((row) => Array.from(row.querySelectorAll('td'), (td) => td.textContent?.trim() ?? '')));
  expect(cells.map((c) => c[0])).toEqual(['1', '2', '3', '4']);
  expect(cells.map((c) => c[2])).toEqual(['completed', 'completed', 'completed', 'completed']);
  const validation = cells.map((c) => Number.parseFloat(c[3] ?? ''));
  expect(validation).toEqual([...validation].sort((a, b) => b - a));
  for (const [, , , , , lr, weightDecay] of cells) {
    expect(Number(lr)).toBeGreaterThanOrEqual(0.001);
    expect(Number(lr)).toBeLessThanOrEqual(0.5);
    expect(Number(weightDecay)).toBeGreaterThanOrEqual(1e-8);
    expect(Number(weightDecay)).toBeLessThanOrEqual(1e-4);
  }
  await expect(page.getByTestId('sweep-scatter')).toBeVisible();
  await expect(page.getByTestId('sweep-parallel')).toBeVisible();
  await screenshotView(page, testInfo, 'sweeps', { fullPage: true });

  // Promote: the best trial's config retrains on the full training set, followed in Train.
  await page.getByTestId('promote-best').click();
  await expect(page.getByRole('tab', { name: 'Train' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('train-status')).toContainText('promoted');
  // On all 60000 training images now (the trial saw 800): 3 epochs, 1800 iterations.
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 60_000 });
  await expect(page.getByTestId('iteration')).toHaveText('1800');
});
