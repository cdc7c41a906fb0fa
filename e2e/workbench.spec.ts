import type { Locator, Page } from '@playwright/test';
import { expect, screenshotView as shoot, test } from './fixtures';

/**
 * One story through the workbench, as a user would walk it: configure a small net (and see an invalid
 * field block the start), train one epoch of MNIST while the charts update, pause and resume, find the run
 * in Runs, classify a drawn digit with it, and gradient-check the config. Each view is photographed.
 */
test.describe.configure({ mode: 'serial' });

/**
 * The probability list under the drawing shows all ten classes with a probability each, adding up to 100 %
 * (each is rounded to 0.1 %, so ten of them may miss by 0.5 %), and highlights the predicted class with the
 * probability the prediction names.
 */
async function expectProbabilitiesOfPrediction(page: Page): Promise<void> {
  const list = page.getByTestId('probabilities');
  await expect(list.locator('li')).toHaveCount(10);
  const values = await list.locator('li .value').allTextContents();
  expect(values.every((v) => /^\d+\.\d %$/.test(v)), values.join(', ')).toBe(true);
  expect(Math.abs(values.reduce((sum, v) => sum + Number.parseFloat(v), 0) - 100)).toBeLessThanOrEqual(0.5);
  const [, digit, probability] = /^(\d) \((.+)\)$/.exec((await page.getByTestId('prediction').textContent()) ?? '') ?? [];
  await expect(list.locator('li.best .digit')).toHaveText(digit ?? 'no prediction');
  await expect(list.locator('li.best .value')).toHaveText(probability ?? 'no prediction');
}

async function field(page: Page, testId: string, value: string): Promise<Locator> {
  const input = page.getByTestId(testId);
  await input.fill(value);
  return input;
}

test('configure a small net, train one epoch with pause and resume, see it in Runs, draw a digit', async ({ app: page }, testInfo) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  // Network: an invalid field shows its message at the field and blocks the start.
  await page.getByRole('tab', { name: 'Network' }).click();
  const batch = await field(page, 'batch-size', '0');
  await expect(batch).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Must be at least 1')).toBeVisible();
  await expect(page.getByTestId('start-from-network')).toBeDisabled();
  await expect(page.getByTestId('config-invalid')).toHaveText(/Fix the 1 field/);
  await field(page, 'batch-size', 'abc');
  await expect(page.getByText('Enter a number')).toBeVisible();

  // A small net, 784-32-10 in float64 on the TypeScript backend (slow enough to pause: ~20 s for the
  // epoch's 600 iterations), evaluated every 100 iterations on 2000 samples.
  await field(page, 'batch-size', '100');
  await field(page, 'hidden-0', '32');
  await page.getByTestId('length-kind').selectOption('epochs');
  await field(page, 'epochs', '1');
  await field(page, 'evaluate-every', '100');
  await field(page, 'evaluation-samples', '2000');
  await page.getByTestId('backend').selectOption('ts');
  await page.getByTestId('dtype').selectOption('float64');
  await field(page, 'run-name', 'e2e small net');
  await expect(page.getByTestId('layer-shape')).toHaveText('784 → 32 → 10');
  await expect(page.getByTestId('start-from-network')).toBeEnabled();
  await shoot(page, testInfo, 'network');

  // Train: the charts and counters move while it trains.
  await page.getByTestId('start-from-network').click();
  await expect(page.getByRole('tab', { name: 'Train' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('run-status')).toHaveText('running', { timeout: 30_000 });
  await expect.poll(async () => Number(await page.getByTestId('iteration').textContent()), { timeout: 30_000 }).toBeGreaterThan(10);

  // Pause (keyboard shortcut), then resume with the button: the run goes on from where it paused. (That the
  // trainer takes no step while paused is proven, without waiting on a clock, in src-trainer/trainer-host.test.ts.)
  await page.keyboard.press('Control+Shift+P');
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  await expect(page.getByTestId('resume')).toBeVisible();
  const pausedAt = Number(await page.getByTestId('iteration').textContent());
  expect(pausedAt).toBeGreaterThan(10);
  expect(pausedAt).toBeLessThan(600);
  await page.getByTestId('resume').click();
  await expect(page.getByTestId('run-status')).toHaveText('running');
  await expect.poll(async () => Number(await page.getByTestId('iteration').textContent())).toBeGreaterThan(pausedAt);
  await expect(page.getByTestId('evaluations')).not.toHaveText('0 evaluations', { timeout: 30_000 });
  await shoot(page, testInfo, 'train-running');
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 90_000 });
  await expect(page.getByTestId('iteration')).toHaveText('600');
  const accuracy = await page.getByTestId('test-accuracy').textContent();
  expect(Number.parseFloat(accuracy ?? '')).toBeGreaterThan(80);
  await expect(page.getByTestId('evaluations')).toHaveText('7 evaluations');
  // The finished run's weights per layer: a histogram of W1 and of W2, each summarised for screen readers.
  await expect(page.getByTestId('weight-histogram-W1').getByRole('img')).toHaveAttribute('aria-label', /^W1: std [\d.e-]+, range ±[\d.e-]+$/);
  await expect(page.getByTestId('weight-histogram-W2').getByRole('img')).toHaveAttribute('aria-label', /^W2: std /);
  await shoot(page, testInfo, 'train');

  // Runs: the run is listed with its accuracy; ticking it overlays its curves.
  await page.getByRole('tab', { name: 'Runs' }).click();
  const row = page.getByTestId('run-row').filter({ hasText: 'e2e small net' });
  await expect(row).toHaveAttribute('data-status', 'completed');
  // The best of its evaluations: at least the final accuracy the Train view showed.
  // Three significant digits in the cell (e.g. "91.2 %"), the exact value on hover.
  await expect(row.getByTestId('best-accuracy')).toHaveText(/^\d+(\.\d+)? %$/);
  await expect(row.getByTestId('best-accuracy')).toHaveAttribute('title', /^\d+(\.\d+)? %$/);
  expect(Number.parseFloat((await row.getByTestId('best-accuracy').getAttribute('title')) ?? '')).toBeGreaterThanOrEqual(Number.parseFloat(accuracy ?? ''));
  await row.getByRole('checkbox').check();
  await expect(page.getByTestId('runs-overlay')).toBeVisible();
  await shoot(page, testInfo, 'runs');

  // Export to ONNX: validated by onnxruntime, then downloaded (web mode); the report stays with the run.
  const download = page.waitForEvent('download');
  await row.getByTestId('run-actions').click();
  await page.getByTestId('export-onnx').click();
  const onnxPath = testInfo.outputPath('e2e-small-net.onnx');
  await (await download).saveAs(onnxPath);
  await expect(page.getByTestId('onnx-report')).toContainText('ONNX ✓ validated by onnxruntime on 10000 test images');
  await shoot(page, testInfo, 'runs-onnx');

  // Draw: mouse strokes on the pad give a prediction from the run just trained.
  await page.getByRole('tab', { name: 'Draw' }).click();
  await expect(page.getByTestId('model-picker')).toContainText('e2e small net');
  const pad = page.getByTestId('draw-pad');
  const box = (await pad.boundingBox())!;
  // A "1": one vertical stroke down the middle.
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
  await page.mouse.down();
  for (let step = 1; step <= 12; step++) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * (0.2 + step * 0.05));
  await page.mouse.up();
  await expect(page.getByTestId('prediction')).toHaveText(/^\d \(\d+(\.\d+)? ?%\)$/);
  await expectProbabilitiesOfPrediction(page);
  // Saliency: d logit(class) / d pixel of the predicted class, as red and blue over the input; then a chosen class.
  const predictedDigit = (await page.getByTestId('prediction').textContent())!.charAt(0);
  const saliencyMap = page.getByTestId('saliency-map');
  await expect(saliencyMap).toHaveAttribute('data-class', predictedDigit);
  await expect(page.getByTestId('saliency-caption')).toContainText('score = the logit before softmax');
  await expect(page.getByTestId('saliency-caption')).toContainText('(predicted), p = ');
  const coloured = await saliencyMap.evaluate((canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] !== data[i + 1] || data[i + 2] !== data[i + 1]) count++;
    return count;
  });
  expect(coloured).toBeGreaterThan(0);
  const otherDigit = String((Number(predictedDigit) + 1) % 10);
  await page.getByTestId('saliency-class').selectOption(otherDigit);
  await expect(saliencyMap).toHaveAttribute('data-class', otherDigit);
  await expect(page.getByTestId('saliency-caption')).not.toContainText('(predicted)');
  await page.getByTestId('saliency-class').selectOption('predicted');
  await expect(saliencyMap).toHaveAttribute('data-class', predictedDigit);
  await shoot(page, testInfo, 'draw');

  // The exported file imports back and classifies the same drawing; a broken file is refused with the reason.
  await page.getByTestId('onnx-file').setInputFiles({ name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('not a model at all') });
  await expect(page.getByTestId('import-error')).toContainText('broken.onnx: not');
  await page.getByTestId('onnx-file').setInputFiles(onnxPath);
  await expect(page.getByTestId('onnx-summary')).toContainText('Gemm, Relu, Softmax');
  await expect(page.getByTestId('model-picker')).toContainText('e2e-small-net.onnx');
  await expect(page.getByTestId('model-picker')).toHaveValue(/^onnx-/);
  await expect(page.getByTestId('saliency-panel')).toContainText('an imported ONNX model only predicts here');
  await expect(page.getByTestId('prediction')).toHaveText(/^\d \(\d+(\.\d+)? ?%\)$/);
  await page.getByTestId('draw-clear').click();

  // Gradient check of the same config on one sample.
  await page.getByRole('tab', { name: 'Gradient check' }).click();
  await page.getByTestId('gc-samples').fill('1');
  await page.getByTestId('gc-run').click();
  await expect(page.getByTestId('gc-results')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('gc-results')).toContainText('W1');
  await expect(page.getByTestId('gc-verdict')).toBeVisible();
  await shoot(page, testInfo, 'gradient-check');

  expect(errors).toEqual([]);
});
