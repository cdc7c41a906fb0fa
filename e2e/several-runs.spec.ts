import type { Page } from '@playwright/test';
import { expect, screenshotView, test } from './fixtures';

/**
 * Several runs at once from the UI: two runs train side by side (the e2e host trains two at once), a third
 * queues and says why, the Train view follows any of them with its own controls, and both runs complete.
 * Each run is paused as soon as it trains, so none can finish before the others have started: the test
 * waits on the states the page shows, never on time.
 */
test.describe.configure({ mode: 'serial' });

async function startFromNetwork(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.getByTestId('run-name').fill(name);
  await page.getByTestId('start-from-network').click();
  await expect(page.getByRole('tab', { name: 'Train' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('[data-testid="train-status"] strong')).toHaveText(name);
}

test('two runs started from the UI train at once and both complete; a third queues while they hold the slots', async ({ app: page }, testInfo) => {
  test.setTimeout(240_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  // Network: Adam brings its own usual learning rate, SGD takes its own back; a typed one would stay.
  await page.getByRole('tab', { name: 'Network' }).click();
  await page.getByTestId('optimizer').selectOption('adam');
  await expect(page.getByTestId('lr')).toHaveValue('0.001');
  await expect(page.getByText('Usual for this optimizer: 0.001')).toBeVisible();
  await page.getByTestId('optimizer').selectOption('sgd');
  await expect(page.getByTestId('lr')).toHaveValue('0.1');

  // A small net on the TypeScript backend in float64: a few seconds per run, long enough to pause.
  await page.getByTestId('hidden-0').fill('16');
  await page.getByTestId('length-kind').selectOption('iterations');
  await page.getByTestId('iterations').fill('600');
  await page.getByTestId('evaluate-every').fill('200');
  await page.getByTestId('evaluation-samples').fill('500');
  await page.getByTestId('backend').selectOption('ts');
  await page.getByTestId('dtype').selectOption('float64');

  const status = page.getByTestId('run-status');
  const row = (name: string) => page.getByTestId('active-run').filter({ hasText: name });

  // A trains, then pauses (it keeps its slot).
  await startFromNetwork(page, 'e2e parallel A');
  await expect(status).toHaveText('running', { timeout: 60_000 });
  await page.getByTestId('pause').click();
  await expect(status).toHaveText('paused');

  // B starts beside it: Start is not blocked by the run already followed, and the view follows the new run.
  await startFromNetwork(page, 'e2e parallel B');
  await expect(page.getByTestId('follow-previous')).toHaveText('Back to “e2e parallel A”');
  await expect(status).toHaveText('running', { timeout: 60_000 });
  await page.getByTestId('pause').click();
  await expect(status).toHaveText('paused');
  // One click goes back to the run followed before.
  await page.getByTestId('follow-previous').click();
  await expect(page.locator('[data-testid="train-status"] strong')).toHaveText('e2e parallel A');
  await expect(page.getByTestId('follow-back')).toBeHidden();

  // C queues: both slots are held (paused runs keep theirs), and the list says so; it has no weights yet.
  await startFromNetwork(page, 'e2e parallel C');
  await expect(status).toHaveText('queued');
  await expect(row('e2e parallel C').getByTestId('active-run-state')).toHaveText('queued · next · all 2 training slots in use (a paused run keeps its slot)');
  await expect(page.getByTestId('queue-summary')).toHaveText('2 paused · 1 queued · 2 at once');
  await expect(page.locator('.tiles figcaption')).toHaveText('Waiting for the first weights…');
  await screenshotView(page, testInfo, 'train-several-runs');
  // Stop acts on the followed run: the queued one leaves the queue.
  await page.getByTestId('stop').click();
  await expect(status).toHaveText('stopped');
  await expect(page.getByTestId('active-run')).toHaveCount(2);

  // Follow each paused run from the list (keyboard for one of them) and resume it: both train at once.
  await row('e2e parallel A').getByTestId('follow-run').click();
  await expect(row('e2e parallel A').getByTestId('follow-run')).toHaveAttribute('aria-pressed', 'true');
  await expect(status).toHaveText('paused');
  await page.getByTestId('resume').click();
  await row('e2e parallel B').getByTestId('follow-run').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('[data-testid="train-status"] strong')).toHaveText('e2e parallel B');
  await expect(status).toHaveText('paused');
  await page.getByTestId('resume').click();
  await expect(page.getByTestId('active-run').and(page.locator('[data-status="running"]'))).toHaveCount(2);

  // Both complete: the list empties, and Runs lists both as completed.
  await expect(page.getByTestId('active-runs')).toBeHidden({ timeout: 150_000 });
  await expect(status).toHaveText('completed');
  await page.getByRole('tab', { name: 'Runs' }).click();
  for (const name of ['e2e parallel A', 'e2e parallel B']) {
    await expect(page.getByTestId('run-row').filter({ hasText: name })).toHaveAttribute('data-status', 'completed');
  }
  await expect(page.getByTestId('run-row').filter({ hasText: 'e2e parallel C' })).toHaveAttribute('data-status', 'stopped');
  expect(errors).toEqual([]);
});
