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
  await expect(page.getByTestId('sweep-progress')).toHaveText('4 of 4 done', { timeout: 90_000 });
  await expect(page.getByTestId('sweep-state')).toHaveText('completed');
  await expect(page.getByTestId('sweep-row')).toHaveCount(4);
  await expect(page.getByTestId('sweep-unranked')).toHaveCount(0);
  // Rank, trial, validation and train accuracy, then one column per parameter: ranked by validation
  // accuracy, every drawn value inside its range.
  await expect(page.getByTestId('sweep-results').locator('thead th')).toHaveText(['Rank', 'Trial', 'Validation acc.', 'Train acc.', 'optimizer.lr', 'network.weightDecay', 'Curves', 'Actions']);
  const cells = await page.getByTestId('sweep-row').evaluateAll((rows) => rows.map((row) => Array.from(row.querySelectorAll('td'), (td) => td.textContent?.trim() ?? '')));
  expect(cells.map((c) => c[0])).toEqual(['1', '2', '3', '4']);
  const validation = cells.map((c) => Number.parseFloat(c[2] ?? ''));
  expect(validation).toEqual([...validation].sort((a, b) => b - a));
  for (const [, , , , lr, weightDecay] of cells) {
    expect(Number(lr)).toBeGreaterThanOrEqual(0.001);
    expect(Number(lr)).toBeLessThanOrEqual(0.5);
    // Tiny values read in 1e-8 notation (3 significant digits), not as 0.0000000123.
    expect(weightDecay).toMatch(/^\d(\.\d{1,2})?e-\d$/);
    expect(Number(weightDecay)).toBeGreaterThanOrEqual(1e-8);
    expect(Number(weightDecay)).toBeLessThanOrEqual(1e-4);
  }
  await expect(page.getByTestId('sweep-accuracy-chart').locator('canvas').first()).toBeVisible();
  await expect(page.getByTestId('sweep-loss-chart').locator('canvas').first()).toBeVisible();
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

// Trials 1-2 train one epoch, trials 3-4 two hundred (seconds each), one at a time: the sweep is cancelled
// while trial 3 trains, which its visible state says, so the counts below do not depend on timing.
const cancelAndResume = {
  name: 'e2e cancel and resume',
  base: { network: { hiddenSizes: [16] }, training: { evaluationSamples: 500 } },
  parameters: [
    { kind: 'grid', path: 'training.epochs', values: [1, 200] },
    { kind: 'grid', path: 'optimizer.lr', values: [0.05, 0.1] },
  ],
  trainSubset: 2000,
  seed: 3,
  concurrency: 1,
};

test('a sweep cancelled in the UI says so with truthful counts, ranks only its completed trials, and resumes to the end', async ({ app: page }, testInfo) => {
  await page.getByRole('tab', { name: 'Sweeps' }).click();
  await page.getByTestId('sweep-json').fill(JSON.stringify(cancelAndResume, null, 2));
  await page.getByTestId('start-sweep').click();
  const progress = page.getByTestId('sweep-progress');
  const state = page.getByTestId('sweep-state');
  await expect(progress).toHaveText('2 of 4 done · 1 training · 1 not started', { timeout: 60_000 });
  await expect(state).toHaveText('running');

  // From the keyboard: the trial in training stops with its checkpoint, the last is never started.
  await page.getByTestId('cancel-sweep').focus();
  await page.keyboard.press('Enter');
  await expect(state).toHaveText('cancelled', { timeout: 30_000 });
  await expect(progress).toHaveText('2 of 4 done · 1 stopped · 1 not started');
  await expect(page.getByTestId('sweep-bar')).toHaveJSProperty('value', 2);
  await expect(page.getByTestId('cancel-sweep')).toHaveCount(0);
  // Only the completed trials are ranked (and may be promoted); the stopped one is listed apart with its state.
  await expect(page.getByTestId('sweep-row')).toHaveCount(2);
  await expect(page.getByTestId('promote-best')).toContainText(/#[12],/);
  await expect(page.getByTestId('sweep-unranked-row')).toHaveCount(1);
  await expect(page.getByTestId('sweep-unranked-row').locator('td').nth(0)).toHaveText('#3');
  await expect(page.getByTestId('sweep-unranked-row').locator('td').nth(1)).toHaveText('stopped');
  await screenshotView(page, testInfo, 'sweeps-cancelled', { fullPage: true });

  const resume = page.getByTestId('resume-sweep');
  await resume.focus();
  await page.keyboard.press('Enter');
  await expect(state).toHaveText('completed', { timeout: 60_000 });
  await expect(progress).toHaveText('4 of 4 done');
  await expect(page.getByTestId('sweep-bar')).toHaveJSProperty('value', 4);
  await expect(page.getByTestId('sweep-row')).toHaveCount(4);
  await expect(page.getByTestId('sweep-unranked')).toHaveCount(0);
  await expect(page.getByTestId('resume-sweep')).toHaveCount(0);
});
