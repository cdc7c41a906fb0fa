import { expect, screenshotView, test } from './fixtures';

/** A SimpleConvNet built in the Network view's layer list, trained briefly: its filters before and after, and the feature maps of a test image. */
test('a conv net from the layer list: trained, its first filters before and after, a test image\'s feature maps', async ({ app: page }, testInfo) => {
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.getByTestId('network-kind-layers').check();
  await page.getByTestId('layer-list-preset').selectOption('simple');
  // 8 filters keep the run short.
  await page.getByTestId('layer-0-filters').fill('8');
  await expect(page.getByTestId('layer-shape-0')).toHaveText('8×24×24');
  await page.getByTestId('run-name').fill('conv from the layer list');
  // The book's train_convnet.py: Adam at its usual 0.001 (the learning rate follows the optimizer).
  await page.getByTestId('optimizer').selectOption('adam');
  await expect(page.getByTestId('lr')).toHaveValue('0.001');
  await page.getByTestId('iterations').fill('60');
  await page.getByTestId('evaluate-every').fill('30');
  await page.getByTestId('evaluation-samples').fill('500');
  await expect(page.getByTestId('start-from-network')).toBeEnabled();
  await page.getByTestId('start-from-network').click();

  // Train: the first conv layer's 8 filters, before training (from the seed) and after.
  await expect(page.getByTestId('conv-filters-initial')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('conv-filters-latest')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('conv-filters')).toContainText('8 filters 5×5');
  await expect(page.getByText('After training', { exact: false })).toBeVisible({ timeout: 120_000 });
  await screenshotView(page, testInfo, 'train-conv-filters', { fullPage: true });

  // Inspect: inside one test image, the conv, ReLU and pooling layers as feature maps, one per channel.
  await page.getByRole('tab', { name: 'Inspect' }).click();
  const maps = page.getByTestId('channel-maps');
  await expect(maps.first()).toBeVisible({ timeout: 120_000 });
  await expect(maps.first()).toHaveText('8 channels as 24×24 feature maps');
  // Conv1, Relu1, then Pool1 halves them.
  await expect(maps.nth(2)).toHaveText('8 channels as 12×12 feature maps');
  // A feature map is read from the keyboard: Home is channel 0's top-left, ArrowDown a row of the map, End the last unit.
  const conv = page.getByTestId('layer-cells').first();
  await conv.focus();
  await page.keyboard.press('Home');
  const readout = page.getByTestId('unit-readout').first();
  await expect(readout).toHaveText(/^channel 0 \(row 0, column 0\): /);
  await page.keyboard.press('ArrowDown');
  await expect(readout).toHaveText(/^channel 0 \(row 1, column 0\): /);
  await page.keyboard.press('End');
  await expect(readout).toHaveText(/^channel 7 \(row 23, column 23\): /);
  await screenshotView(page, testInfo, 'inspect-conv-feature-maps', { fullPage: true });

  // Draw: a drawn "1" is classified by the conv run and opened as its feature maps, layer by layer.
  await page.getByRole('tab', { name: 'Draw' }).click();
  const modelPicker = page.getByTestId('model-picker');
  await modelPicker.selectOption((await modelPicker.locator('option', { hasText: 'conv from the layer list' }).getAttribute('value')) ?? '');
  const box = (await page.getByTestId('draw-pad').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.8, { steps: 12 });
  await page.mouse.up();
  await expect(page.getByTestId('prediction')).toHaveText(/^\d \(/);
  const drawPanel = page.getByTestId('inside-input');
  expect(await drawPanel.getByTestId('layer-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-layer')))).toEqual(['Conv1', 'Relu1', 'Pool1', 'Affine1', 'Relu2', 'Affine2']);
  await expect(drawPanel.getByTestId('channel-maps')).toHaveText(['8 channels as 24×24 feature maps', '8 channels as 24×24 feature maps', '8 channels as 12×12 feature maps']);
  await screenshotView(page, testInfo, 'draw-conv-feature-maps', { fullPage: true });
});
