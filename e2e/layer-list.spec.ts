import { expect, screenshotView, test } from './fixtures';

test("the Network view's layer list: SimpleConvNet's shapes and parameters live, a layer that does not fit refused in the engine's words", async ({ app: page }, testInfo) => {
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.getByTestId('network-kind-layers').check();
  const editor = page.getByTestId('layer-list-editor');
  await expect(editor).toBeVisible();
  await page.getByTestId('layer-list-preset').selectOption('simple');
  await expect(page.getByTestId('start-from-network')).toBeEnabled();

  // The book's SimpleConvNet: conv 30 5x5 -> ReLU -> pool 2x2 -> affine 100 -> ReLU -> affine 10.
  const shape = (i: number) => page.getByTestId(`layer-shape-${i}`);
  const params = (i: number) => page.getByTestId(`layer-params-${i}`);
  await expect(shape(0)).toHaveText('30×24×24');
  await expect(shape(2)).toHaveText('30×12×12');
  await expect(shape(3)).toHaveText('100');
  await expect(shape(5)).toHaveText('10');
  await expect(params(0)).toHaveText('780');
  await expect(params(3)).toHaveText('432,100');
  await expect(params(5)).toHaveText('1,010');
  await expect(page.getByTestId('layer-params-total')).toHaveText('433,890');
  await screenshotView(page, testInfo, 'network-layer-list', { fullPage: true });

  // Editing a number re-infers every shape after it: 3x3 filters give 26x26 maps, 13x13 after pooling.
  // (Each field is labelled with its layer for a screen reader.)
  await page.getByLabel('Layer 1 (Convolution) Size').fill('3');
  await expect(shape(0)).toHaveText('30×26×26');
  await expect(shape(2)).toHaveText('30×13×13');
  await expect(params(3)).toHaveText((30 * 13 * 13 * 100 + 100).toLocaleString('en-US'));

  // A pooling window larger than its input: that row is marked with the engine's reason, Start refused with it.
  await page.getByTestId('layer-2-size').fill('30');
  await expect(page.getByTestId('layer-row-2')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('layer-error-2')).toHaveText('Layer 3 does not fit: Its 30x30 window does not fit the 26x26 images layers[1] (relu) gives (30, 26, 26)');
  await expect(shape(3)).toHaveText('—');
  await expect(page.getByTestId('start-from-network')).toBeDisabled();
  await expect(page.getByTestId('config-invalid')).toContainText('Fix the layer list to start: Its 30x30 window does not fit');
  await screenshotView(page, testInfo, 'network-layer-list-misfit', { fullPage: true });

  // A number that does not parse stays in its field with its message.
  await page.getByTestId('layer-2-size').fill('');
  await expect(editor.getByText('Enter a number')).toBeVisible();
  await expect(page.getByTestId('config-invalid')).toContainText('A number in the layer list is not valid');
  await page.getByTestId('layer-2-size').fill('2');
  await expect(page.getByTestId('layer-row-2')).not.toHaveAttribute('aria-invalid', 'true');
  await expect(shape(2)).toHaveText('30×13×13');
  // The list fits again: Start is open (the training fields are shared with the fully connected network).
  await expect(page.getByTestId('start-from-network')).toBeEnabled();

  // Add a batch normalization before layer 2, move it down with the keyboard, remove it.
  await page.getByTestId('new-layer-type').selectOption('batchnorm');
  await page.getByTestId('new-layer-position').selectOption({ label: 'before layer 2' });
  await page.getByTestId('add-layer-to-list').click();
  await expect(page.getByTestId('layer-row-1')).toContainText('Batch normalization');
  await expect(params(1)).toHaveText((2 * 30 * 26 * 26).toLocaleString('en-US'));
  await page.getByRole('button', { name: 'Move layer 2 (Batch normalization) down' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('layer-row-2')).toContainText('Batch normalization');
  await page.getByTestId('remove-layer-2').click();
  await expect(page.getByTestId('layer-row-2')).toContainText('Max pooling');

  // The Graph view shows the same list's tensor shapes before any pass.
  await page.getByRole('tab', { name: 'Graph' }).click();
  await page.getByTestId('mode-layers').check();
  await expect(page.getByTestId('layer-shape-table')).toContainText('30×13×13');

  // The whole-config preset of chapter 7: the layer list with train_convnet.py's Adam and schedule.
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.getByTestId('preset').selectOption('ch7-simple-convnet');
  await expect(page.getByTestId('layer-shape-0')).toHaveText('30×24×24');
  await expect(page.getByTestId('optimizer')).toHaveValue('adam');
  await expect(page.getByTestId('lr')).toHaveValue('0.001');
  await expect(page.getByTestId('epochs')).toHaveValue('20');

  // Back to the fully connected network: its fields are as they were.
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.getByTestId('network-kind-mlp').check();
  await expect(page.getByTestId('hidden-0')).toBeVisible();
  await expect(page.getByTestId('layer-list-editor')).toHaveCount(0);
});
