import { expect, test } from '@playwright/test';
import { screenshotView } from './fixtures';
import { workbenchPage } from './session';

test('without the session token the page says how to get in, and the API refuses it', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('connection-error')).toContainText('session token');
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("script-src 'self'");
});

test('the workbench follows the OS theme, light and dark, with no console errors', async ({ page }, testInfo) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.goto(workbenchPage('#network'));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Backprop Workbench');
    await expect(page.getByTestId('environment')).toContainText('web mode');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe(colorScheme === 'dark' ? 'rgb(20, 24, 31)' : 'rgb(255, 255, 255)');
    await screenshotView(page, testInfo, `network-${colorScheme}`, { fullPage: true });
  }
  expect(errors).toEqual([]);
});

test('no layout breakage at 1024x700: nothing overflows the window sideways', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.goto(workbenchPage());
  for (const view of ['Network', 'Train', 'Runs', 'Draw', 'Gradient check', 'Graph', 'Sweeps']) {
    await page.getByRole('tab', { name: view }).click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${view} overflows by ${overflow}px`).toBeLessThanOrEqual(0);
  }
});
