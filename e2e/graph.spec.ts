import { expect, screenshotView, test } from './fixtures';

test('the apples-and-oranges graph: forward, backward, the six numbers exactly as the engine computes them', async ({ app: page }, testInfo) => {
  await page.getByRole('tab', { name: 'Graph' }).click();
  await page.getByTestId('graph-preset').selectOption('apples-oranges');
  await page.getByTestId('graph-forward').click();
  await expect(page.getByTestId('graph-output')).toHaveAttribute('data-exact', '715.0000000000001');
  await page.getByTestId('graph-backward').click();
  const exact = (id: string) => page.getByTestId(`gradient-${id}`);
  await expect(exact('apple')).toHaveAttribute('data-exact', '2.2');
  await expect(exact('apple_num')).toHaveAttribute('data-exact', '110.00000000000001');
  await expect(exact('orange')).toHaveAttribute('data-exact', '3.3000000000000003');
  await expect(exact('orange_num')).toHaveAttribute('data-exact', '165');
  await expect(exact('tax')).toHaveAttribute('data-exact', '650');
  // Displayed rounded, exact on hover.
  await expect(exact('apple_num')).toHaveText('110');
  await expect(exact('apple_num')).toHaveAttribute('title', '110.00000000000001');
  // Add passes 1.1 back to both of its inputs, drawn below each edge.
  await expect(page.getByTestId('edge-gradient-mul_apple-add-0')).toHaveAttribute('data-exact', '1.1');
  await screenshotView(page, testInfo, 'graph');

  // Step: forward node by node, then backward in reverse, naming the local rule.
  await page.getByRole('button', { name: 'Reset' }).click();
  for (let i = 0; i < 4; i++) await page.getByTestId('graph-step').click();
  await expect(page.getByTestId('graph-rule')).toContainText('Forward · mul_tax_layer: Mul: 650 × 1.1 = 715');
  await page.getByTestId('graph-step').click();
  await expect(page.getByTestId('graph-rule')).toContainText('Backward · mul_tax_layer: Mul swaps its inputs');
  await page.getByTestId('graph-step').click();
  await expect(page.getByTestId('graph-rule')).toContainText('Add passes the gradient through: 1.1 to both inputs');

  // Values are checked in words: text, an empty field and overflow are refused and the graph keeps its value.
  const apple = page.getByTestId('value-apple');
  await apple.fill('abc');
  await expect(page.getByTestId('value-error-apple')).toHaveText('Enter a number (got "abc")');
  await expect(apple).toHaveAttribute('aria-invalid', 'true');
  await apple.fill('');
  await expect(page.getByTestId('value-error-apple')).toHaveText('Enter a number');
  await apple.fill('1e400');
  await apple.press('Enter');
  await expect(page.getByTestId('value-error-apple')).toHaveText('Too large: keep it within ±1e9');
  await page.getByTestId('graph-forward').click();
  await expect(page.getByTestId('graph-output')).toHaveAttribute('data-exact', '715.0000000000001');
  await apple.fill('100');
  await expect(page.getByTestId('value-error-apple')).toHaveCount(0);
  // The operations' selects are wide enough to read a node's name.
  for (const select of await page.getByTestId('graph-operations').locator('select').all()) {
    expect((await select.boundingBox())!.width).toBeGreaterThanOrEqual(150);
  }
  // ... and the table fits its panel, its last column (remove) in view.
  const fits = await page.getByTestId('graph-operations-panel').evaluate((panel) => panel.scrollWidth <= panel.clientWidth);
  expect(fits).toBe(true);

  // An invalid graph is refused with the node named.
  await page.getByTestId('connect-mul_apple-0').selectOption('mul_tax');
  await page.getByTestId('graph-forward').click();
  await expect(page.getByTestId('graph-error')).toContainText('the graph has a cycle through node');

  // The network's layer graph after one forward/backward pass.
  await page.getByTestId('mode-layers').check();
  await page.getByTestId('trace-batch').fill('0');
  await expect(page.getByTestId('trace-network')).toBeDisabled();
  await expect(page.getByText('Batch: Must be at least 1')).toBeVisible();
  await page.getByTestId('trace-batch').fill('100');
  await page.getByTestId('trace-network').click();
  await expect(page.getByTestId('layer-graph')).toContainText('SoftmaxWithLoss', { timeout: 30_000 });
  await expect(page.getByTestId('layer-graph')).toContainText('(100, 784) →');
  await screenshotView(page, testInfo, 'graph-layers');
});
