import { expect, screenshotView, test } from './fixtures';

/**
 * The Inspect view on a run of its own (whatever other specs trained before): the confusion matrix of the
 * whole MNIST test set, a cell opened from the keyboard with its images, label, prediction and probabilities,
 * and the gallery of the most confident mistakes.
 */
test('a trained run\'s confusion matrix: counts of every test image, a cell\'s mistakes and the most confident ones', async ({ app: page }, testInfo) => {
  test.setTimeout(180_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  // A small net trained briefly: right on most test images, wrong on some hundreds.
  const name = 'e2e inspect run';
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.getByTestId('hidden-0').fill('16');
  await page.getByTestId('length-kind').selectOption('iterations');
  await page.getByTestId('iterations').fill('300');
  await page.getByTestId('evaluate-every').fill('300');
  await page.getByTestId('run-name').fill(name);
  await page.getByTestId('start-from-network').click();
  await expect(page.locator('[data-testid="train-status"] strong')).toHaveText(name);
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 });

  // Alt+8 opens Inspect; the run is picked by name (another spec's run may be the default, the best one).
  await page.keyboard.press('Alt+8');
  await expect(page.getByRole('tab', { name: 'Inspect' })).toHaveAttribute('aria-selected', 'true');
  const picker = page.getByTestId('inspect-run-picker');
  const value = await picker.locator('option', { hasText: name }).getAttribute('value');
  await picker.selectOption(value ?? name);

  const matrix = page.getByTestId('confusion-matrix');
  await expect(matrix.locator('caption')).toContainText('on 10000 test images', { timeout: 60_000 });
  await expect(matrix.locator('tbody tr')).toHaveCount(10);
  await expect(page.getByTestId('class-accuracy')).toHaveCount(10);
  // Every test image is counted once: the cells add up to the test set.
  const counts = await matrix.locator('tbody td:not(.accuracy)').allTextContents();
  expect(counts).toHaveLength(100);
  expect(counts.reduce((sum, text) => sum + Number(text), 0)).toBe(10_000);
  const accuracy = Number.parseFloat((await page.getByTestId('confusion-accuracy').textContent()) ?? '');
  expect(accuracy).toBeGreaterThan(50);
  expect(accuracy).toBeLessThan(100);

  // A mistaken cell, opened from the keyboard: its images, each labelled with its true class and the prediction.
  const cell = page.getByTestId('confusion-cell').first();
  const [, label, predicted, count] = /^true (\d), predicted (\d): (\d+) images?$/.exec((await cell.getAttribute('aria-label')) ?? '') ?? [];
  await cell.focus();
  await page.keyboard.press('Enter');
  const opened = page.getByTestId('cell-images');
  await expect(opened.locator('h3')).toContainText(`True ${label}, predicted ${predicted}: ${count}`);
  await expect(opened.getByTestId('mistake-tile')).toHaveCount(Math.min(Number(count), 100));
  await expect(opened.getByTestId('mistake-label')).toHaveText(label ?? 'no label');
  await expect(opened.getByTestId('mistake-predicted')).toHaveText(predicted ?? 'no prediction');
  await expect(opened.getByTestId('probabilities').locator('li.best .digit')).toHaveText(predicted ?? 'no prediction');

  // The most confident mistakes, most confident first.
  const gallery = page.getByTestId('confident-mistakes');
  await expect(gallery.getByTestId('mistake-tile')).toHaveCount(40);
  const confidences = (await gallery.locator('.confidence').allTextContents()).map((text) => Number.parseFloat(text));
  expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
  await screenshotView(page, testInfo, 'inspect', { fullPage: true });
  expect(errors).toEqual([]);
});
