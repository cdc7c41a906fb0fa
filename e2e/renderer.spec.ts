import { expect, test } from '@playwright/test';

test('the renderer shows the app window with its name, under a strict CSP, in both themes', async ({ page }, testInfo) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Backprop Workbench');
    await expect(page.getByTestId('environment')).toContainText('desktop API is not available');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe(colorScheme === 'dark' ? 'rgb(20, 24, 31)' : 'rgb(255, 255, 255)');
    await page.screenshot({ path: testInfo.outputPath(`renderer-${colorScheme}.png`), fullPage: true });
  }
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("script-src 'self'");
  expect(errors).toEqual([]);
});
