import type { Locator, Page } from '@playwright/test';
import { expect, screenshotView, test } from './fixtures';

/**
 * "Inside one input" on a run of its own (784-50-20-10, ReLU with BatchNorm, trained briefly): a drawn digit in
 * the Draw view and test images in the Inspect view, each shown layer by layer with its saliency map, read
 * from the keyboard.
 */

/** The rows the panel shows for a 784-50-20-10 BatchNorm ReLU net: every Affine, BatchNorm and ReLU. */
const LAYERS = ['Affine1', 'BatchNorm1', 'Relu1', 'Affine2', 'BatchNorm2', 'Relu2', 'Affine3'];

/** Each ReLU row's count of zero units is the number of its cells that hold exactly 0, as the grid's readout (keys, then mouse) says. */
async function expectConsistentReluRow(panel: Locator, page: Page): Promise<void> {
  const relu = panel.locator('[data-layer="Relu1"]');
  await expect(relu).toHaveAttribute('data-size', '50');
  // 50 units: a 10 x 5 grid.
  const cells = relu.getByTestId('layer-cells');
  await expect(cells).toHaveAttribute('data-cols', '10');
  await expect(cells).toHaveAttribute('data-rows', '5');
  const zeros = Number(await relu.getAttribute('data-zeros'));
  await expect(relu.getByTestId('layer-counts')).toHaveText(`${zeros} of 50 zero (inactive for this input: no gradient flows back through them)`);
  // Read every unit from the keyboard: Home, then ArrowRight 49 times; count the zeros read.
  await cells.focus();
  await page.keyboard.press('Home');
  const readout = relu.getByTestId('unit-readout');
  let readZeros = 0;
  for (let unit = 0; unit < 50; unit++) {
    if (unit > 0) await page.keyboard.press('ArrowRight');
    await expect(readout).toHaveText(new RegExp(`^unit ${unit}: `));
    const value = Number(((await readout.textContent()) ?? '').split(': ')[1]);
    expect(value).toBeGreaterThanOrEqual(0);
    if (value === 0) readZeros++;
  }
  expect(readZeros).toBe(zeros);
  // The mouse reads the same: the cell in the second row, second column is unit 11 (cells are square).
  const box = (await cells.boundingBox())!;
  const side = box.width / 10;
  await cells.hover({ position: { x: side * 1.5, y: side * 1.5 } });
  await expect(readout).toHaveText(/^unit 11: /);
  await page.mouse.move(0, 0);
  await expect(readout).toHaveText(/^colours: black 0 … yellow /);
}

test('inside one input: a drawn digit and test images layer by layer, with their saliency maps', async ({ app: page }, testInfo) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  const name = 'e2e inside run';
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.getByTestId('hidden-0').fill('50');
  await page.getByTestId('add-layer').click();
  await page.getByTestId('hidden-1').fill('20');
  await page.getByTestId('batch-norm').check();
  await page.getByTestId('init-kind').selectOption('he');
  await page.getByTestId('length-kind').selectOption('iterations');
  await page.getByTestId('iterations').fill('300');
  await page.getByTestId('evaluate-every').fill('300');
  await page.getByTestId('run-name').fill(name);
  await expect(page.getByTestId('layer-shape')).toHaveText('784 → 50 → 20 → 10');
  await page.getByTestId('start-from-network').click();
  await expect(page.locator('[data-testid="train-status"] strong')).toHaveText(name);
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 150_000 });

  // Draw: a "7" (a bar, then a diagonal down), classified and opened layer by layer as it is drawn.
  await page.getByRole('tab', { name: 'Draw' }).click();
  const modelPicker = page.getByTestId('model-picker');
  await modelPicker.selectOption((await modelPicker.locator('option', { hasText: name }).getAttribute('value')) ?? name);
  const drawPanel = page.getByTestId('inside-input');
  await expect(drawPanel.getByTestId('inside-empty')).toContainText('Draw a digit or pick a test image');
  const box = (await page.getByTestId('draw-pad').boundingBox())!;
  const at = (x: number, y: number): [number, number] => [box.x + box.width * x, box.y + box.height * y];
  await page.mouse.move(...at(0.25, 0.2));
  await page.mouse.down();
  for (let step = 1; step <= 10; step++) await page.mouse.move(...at(0.25 + step * 0.05, 0.2));
  for (let step = 1; step <= 12; step++) await page.mouse.move(...at(0.75 - step * 0.025, 0.2 + step * 0.055));
  await page.mouse.up();
  await expect(page.getByTestId('prediction')).toHaveText(/^\d \(/);
  await expect(drawPanel.getByTestId('layer-row')).toHaveCount(LAYERS.length);
  expect(await drawPanel.getByTestId('layer-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-layer')))).toEqual(LAYERS);
  // The panel's prediction is the classifier's: the same network, the same input.
  const predicted = (await page.getByTestId('prediction').textContent())!.charAt(0);
  await expect(drawPanel.getByTestId('inside-prediction')).toHaveText(new RegExp(`^Predicted ${predicted} \\(`));
  await expect(drawPanel.locator('[data-layer="Affine3"]')).toHaveAttribute('data-size', '10');
  await expectConsistentReluRow(drawPanel, page);
  await expect(page.getByTestId('saliency-map')).toHaveAttribute('data-class', predicted);
  await screenshotView(page, testInfo, 'draw-inside', { fullPage: true });

  // Inspect: the same run; the panel opens on the most confident mistake, a test image by index from the keyboard.
  await page.keyboard.press('Alt+8');
  const runPicker = page.getByTestId('inspect-run-picker');
  await runPicker.selectOption((await runPicker.locator('option', { hasText: name }).getAttribute('value')) ?? name);
  const inspectInside = page.getByTestId('inspect-inside');
  const caption = inspectInside.getByTestId('inside-image-caption');
  await expect(caption).toContainText('Test image #', { timeout: 60_000 });

  const index = inspectInside.getByTestId('inside-index');
  await index.fill('10000');
  await index.press('Enter');
  await expect(inspectInside.getByTestId('inside-index-error')).toHaveText('Enter a whole number from 0 to 9999: the test set has 10000 images.');
  await index.fill('3');
  await index.press('Enter');
  await expect(inspectInside.getByTestId('inside-index-error')).toBeHidden();
  await expect(caption).toContainText('Test image #3: label 0');
  const panel = inspectInside.getByTestId('inside-input');
  await expect(panel.getByTestId('layer-row')).toHaveCount(LAYERS.length);
  await expectConsistentReluRow(panel, page);
  await expect(panel.getByTestId('probabilities').locator('li')).toHaveCount(10);
  await inspectInside.getByTestId('inside-next').click();
  await expect(caption).toContainText('Test image #4: label 4');

  // A mistake pressed in the gallery opens it here, its prediction the wrong one the gallery names.
  const tile = page.getByTestId('confident-mistakes').getByTestId('mistake-tile').nth(2);
  const [, tileIndex, tileLabel, tilePredicted] = /^Test image #(\d+): label (\d), predicted (\d)/.exec((await tile.getAttribute('aria-label')) ?? '') ?? [];
  await tile.click();
  await expect(caption).toHaveText(`Test image #${tileIndex}: label ${tileLabel}, predicted ${tilePredicted}`);
  await expect(index).toHaveValue(tileIndex ?? '');
  // Its saliency map: for the predicted class, then for the true one.
  const map = inspectInside.getByTestId('saliency-map');
  await expect(map).toHaveAttribute('data-class', tilePredicted ?? '');
  await inspectInside.getByTestId('saliency-class').selectOption(tileLabel ?? '');
  await expect(map).toHaveAttribute('data-class', tileLabel ?? '');
  await inspectInside.scrollIntoViewIfNeeded();
  await screenshotView(page, testInfo, 'inspect-inside', { fullPage: true });
  expect(errors).toEqual([]);
});
