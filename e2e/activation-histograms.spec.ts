import { expect, screenshotView, test } from './fixtures';

// The Inspect view's activation histograms: the book's ch6 experiment (figures 6-10 ... 6-14) on seed 1, the
// same counts the engine's unit test pins (src-engine/experiments/activation-histogram.test.ts).
test("the book's activation histograms: std 1 saturates, std 0.01 collapses, He with ReLU keeps its spread", async ({ app: page }, testInfo) => {
  await page.getByRole('tab', { name: 'Inspect' }).click();
  const view = page.getByTestId('activation-histograms');
  await expect(view).toBeVisible();
  const counts = (layer: number) => view.getByTestId(`book-histograms-layer-${layer}`).locator('[data-counts]');
  const binsOf = async (layer: number) => ((await counts(layer).getAttribute('data-counts')) ?? '').split(',').map(Number);

  // Sigmoid with std 1 (the default): the first layer piles up in the outer bins (figure 6-10).
  await expect(view.getByTestId('book-histograms-layer-5')).toBeVisible();
  let first = await binsOf(1);
  expect([first[0], first[29]]).toEqual([36499, 36793]);
  await screenshotView(page, testInfo, 'inspect-histograms-std1-sigmoid', { fullPage: true });

  // std 0.01: every layer around 0.5 (figure 6-11); the fifth layer entirely in the two middle bins.
  await view.getByTestId('histogram-init-std0.01').check();
  await expect(counts(1)).toHaveAttribute('data-counts', /^0,0,0,0,0,0,0,0,0,0,0,0,368,8511,41014,41012,/);
  const fifth = await binsOf(5);
  expect(fifth[14]! + fifth[15]!).toBe(100_000);

  // Xavier: spread over the range (figure 6-13).
  await view.getByTestId('histogram-init-xavier').check();
  await expect(counts(1)).toHaveAttribute('data-counts', /^39,382,1007,/);

  // ReLU with He: the same spread in every layer (figure 6-14), driven from the keyboard.
  await view.getByTestId('histogram-activation-relu').focus();
  await page.keyboard.press('Space');
  await view.getByTestId('histogram-init-he').check();
  await expect(counts(1)).toHaveAttribute('data-counts', /^50840,929,949,/);
  await expect(counts(5)).toHaveAttribute('data-counts', /^52434,1013,1047,/);
  await screenshotView(page, testInfo, 'inspect-histograms-he-relu', { fullPage: true });

  // New random inputs and weights: another seed, other counts.
  await view.getByTestId('histogram-resample').click();
  await expect(view.getByTestId('histogram-seed')).toHaveText('seed 2');
  first = await binsOf(1);
  expect(first.reduce((a, b) => a + b, 0)).toBeLessThan(100_000); // ReLU's values above 1 fall outside (0, 1)
  await expect(counts(1)).not.toHaveAttribute('data-counts', /^50840,/);
});
