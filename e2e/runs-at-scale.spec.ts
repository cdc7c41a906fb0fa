import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { writeRunFixtures } from '../src-services/runs/test-support/run-fixtures';
import type { RunRecord } from '../src-shared/run-record';
import { startOwnHost } from './own-host';

/**
 * The Runs view with many stored runs: its own web host over its own run store of 300 fixture runs (two
 * sweeps of 50 trials among them, pairs of runs with the same name), so the shared workbench's specs keep
 * their store. Nothing trains here.
 */
const runsDirectory = resolve('test-results/e2e-runs-at-scale');

interface ScaleHost {
  readonly url: string;
  readonly records: readonly RunRecord[];
}

const test = base.extend<object, { scaleHost: ScaleHost }>({
  scaleHost: [
    async ({}, use) => {
      rmSync(runsDirectory, { recursive: true, force: true });
      const records = await writeRunFixtures(runsDirectory, { runs: 300, sweeps: 2, trialsPerSweep: 50 });
      const host = await startOwnHost(runsDirectory);
      await use({ url: host.url, records });
      await host.stop();
    },
    { scope: 'worker' },
  ],
});

async function openRuns(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('tab', { name: 'Runs' }).click();
  await expect(page.getByTestId('runs-count')).toContainText('300 of 300 runs');
}

test('300 runs: virtual, no sideways overflow, 3 significant digits with exact values on hover', async ({ page, scaleHost }) => {
  await openRuns(page, scaleHost.url);
  const overflow = await page.getByTestId('runs-table').evaluate((table) => {
    const scroller = table.parentElement!;
    return { table: scroller.scrollWidth - scroller.clientWidth, page: document.documentElement.scrollWidth - document.documentElement.clientWidth };
  });
  expect(overflow).toEqual({ table: 0, page: 0 });
  // Only the lines in view (and a few more) are in the DOM.
  const lines = await page.locator('[data-testid=run-row], [data-testid=sweep-group]').count();
  expect(lines).toBeGreaterThan(5);
  expect(lines).toBeLessThan(60);

  // A run with an lr below 0.001 (written with an exponent) and one above, as they are stored.
  for (const record of [scaleHost.records.find((r) => !r.sweep && r.config.optimizer.lr < 1e-3), scaleHost.records.find((r) => !r.sweep && r.config.optimizer.lr > 1e-2)]) {
    if (!record) throw new Error('the fixtures have runs on both sides of 0.001');
    await page.getByTestId('runs-filter').fill(record.id);
    const row = page.getByTestId('run-row');
    await expect(row).toHaveCount(1);
    const { lr } = record.config.optimizer;
    const lrCell = row.getByTestId('run-lr');
    await expect(lrCell).toHaveAttribute('title', String(lr));
    await expect(lrCell).toHaveText(lr < 1e-3 ? /^\d(\.\d{1,2})?e-\d$/ : /^0\.0\d{1,3}$/);
    expect(Number(await lrCell.textContent())).toBe(Number(lr.toPrecision(3)));
    const accuracy = row.getByTestId('best-accuracy');
    const best = record.summary?.bestTestAccuracy ?? null;
    if (best === null) await expect(accuracy).toHaveText('–');
    else {
      await expect(accuracy).toHaveText(`${Number((best * 100).toPrecision(3))} %`);
      expect(Number.parseFloat((await accuracy.getAttribute('title')) ?? '')).toBeCloseTo(best * 100, 10);
    }
  }
});

test('sweep trials sit under their sweep: a group collapses, expands, filters and hides', async ({ page, scaleHost }) => {
  await openRuns(page, scaleHost.url);
  const group = page.getByTestId('sweep-group').filter({ hasText: 'search 1' });
  await expect(group).toHaveAttribute('aria-expanded', 'false');
  await expect(group.getByTestId('sweep-group-count')).toHaveText('· 50 trials');
  const trial = page.getByTestId('run-row').filter({ hasText: /^\s*search 1 #50\s/ });
  await expect(trial).toHaveCount(0);
  await group.getByRole('button', { name: 'Expand sweep search 1' }).click();
  await expect(group).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByTestId('run-row').filter({ hasText: 'search 1 #1' }).first()).toBeVisible();
  // From the keyboard: the grid takes the focus, Home goes to the first line (this group), Enter closes it.
  await page.getByTestId('runs-table').focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('Enter');
  await expect(group).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByTestId('run-row').filter({ hasText: 'search 1 #' })).toHaveCount(0);

  // A filter keeps the groups of the trials it matches, open, with how many of their trials it shows.
  await page.getByTestId('runs-filter').fill('search #17');
  await expect(page.getByTestId('sweep-group')).toHaveCount(2);
  await expect(page.getByTestId('sweep-group-count')).toHaveText(['· 1 of 50 trials', '· 1 of 50 trials']);
  await expect(page.getByTestId('run-row')).toHaveText([/search 1 #17/, /search 2 #17/]);
  await page.getByTestId('runs-filter').fill('');
  await page.getByTestId('show-sweep-trials').uncheck();
  await expect(page.getByTestId('sweep-group')).toHaveCount(0);
  await expect(page.getByTestId('runs-count')).toContainText('200 of 300 runs');
});

test('two runs with the same name: distinct legend entries, and their config differences', async ({ page, scaleHost }) => {
  await openRuns(page, scaleHost.url);
  const name = scaleHost.records.find((r, i, all) => !r.sweep && all.some((o) => o !== r && o.name === r.name))!.name;
  await page.getByTestId('runs-filter').fill(name);
  const rows = page.getByTestId('run-row').filter({ hasText: name });
  await expect(rows).toHaveCount(2);
  await rows.nth(0).getByRole('checkbox').check();
  await rows.nth(1).getByRole('checkbox').check();
  await expect(page.getByTestId('runs-overlay')).toBeVisible();
  // The legend's entries are the series' names, which the loss chart also reads out.
  const label = (await page.getByTestId('runs-overlay').getByRole('img', { name: /^Loss per iteration/ }).getAttribute('aria-label')) ?? '';
  // Each is the name and what tells it apart (its start time): two different entries.
  const entries = label.split(`${name} · `).slice(1).map((rest) => rest.replace(/,\s*$/, ''));
  expect(entries).toHaveLength(2);
  expect(entries[0]).not.toBe(entries[1]);

  await page.getByTestId('compare-configs').click();
  const diff = page.getByTestId('config-diff');
  await expect(diff).toBeVisible();
  await expect(diff.getByTestId('config-diff-row').filter({ hasText: 'network.hiddenSizes' })).toHaveCount(1);
  // Only what differs: both are MNIST runs, so the dataset is not listed.
  await expect(diff.getByTestId('config-diff-row').filter({ hasText: 'dataset' })).toHaveCount(0);
});
