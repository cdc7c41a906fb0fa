import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test as base, expect } from '@playwright/test';
import { writeDenseIdxDataset } from '../src-services/data/idx-fixtures';
import { startTestRedis } from '../src-services/queue/test-support/redis-server';
import { screenshotView } from './fixtures';
import { startOwnHost } from './own-host';

/**
 * A sweep on a job queue from the Sweeps view: a web host started with --queue (a throwaway redis-server on
 * loopback) and one `npm run worker` process. Skipped, saying why, where redis-server cannot start.
 */
const root = resolve('test-results/e2e-sweep-queue');
const datasetDirectory = join(root, 'digits');

interface QueueHost {
  readonly url: string | undefined;
  readonly skipReason: string | undefined;
}

async function startWorker(queueUrl: string): Promise<ChildProcess> {
  const worker = spawn(process.execPath, ['--import', 'tsx', 'src-cli/worker.ts', '--queue', queueUrl, '--concurrency', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((ready, fail) => {
    createInterface({ input: worker.stdout! }).on('line', (line) => line.startsWith('worker ') && ready());
    worker.once('exit', (code) => fail(new Error(`the worker exited (${code}) before it took trials`)));
  });
  return worker;
}

const test = base.extend<object, { queueHost: QueueHost }>({
  queueHost: [
    async ({}, use) => {
      const redis = await startTestRedis();
      if (!('url' in redis)) {
        await use({ url: undefined, skipReason: redis.skipReason });
        return;
      }
      rmSync(root, { recursive: true, force: true });
      mkdirSync(root, { recursive: true });
      await writeDenseIdxDataset(datasetDirectory, { train: 600, test: 200 });
      const worker = await startWorker(redis.url);
      const host = await startOwnHost(join(root, 'runs'), ['--queue', redis.url]);
      await use({ url: host.url, skipReason: undefined });
      await host.stop();
      const exited = new Promise((done) => worker.once('exit', done));
      worker.kill('SIGTERM');
      await exited;
      await redis.stop();
    },
    { scope: 'worker' },
  ],
});

test('a sweep run on the job queue from the Sweeps view: the worker listed, each trial placed on it', async ({ page, queueHost }, testInfo) => {
  test.skip(queueHost.url === undefined, `redis-server cannot start here: ${queueHost.skipReason}`);
  await page.goto(queueHost.url!);
  await page.getByRole('tab', { name: 'Sweeps' }).click();
  const panel = page.getByTestId('sweep-queue');
  await expect(panel).toContainText('Job queue redis://127.0.0.1:');
  await expect(page.getByTestId('sweep-worker-row')).toHaveCount(1);
  const workerRow = page.getByTestId('sweep-worker-row');
  await expect(workerRow.locator('td').nth(2)).toHaveText('0');
  await expect(workerRow.locator('td').nth(3)).toHaveText('idle');
  const host = (await workerRow.locator('td').first().textContent())!.trim();

  const sweep = {
    name: 'e2e queued search',
    base: { dataset: { kind: 'idx', path: datasetDirectory }, network: { hiddenSizes: [8] }, training: { evaluationSamples: 200 } },
    parameters: [{ kind: 'grid', path: 'optimizer.lr', values: [0.05, 0.1, 0.5] }],
    trainSubset: 600,
    epochs: 2,
    seed: 3,
  };
  await page.getByTestId('sweep-json').fill(JSON.stringify(sweep, null, 2));
  // Off by default: a sweep trains on the host unless the queue is chosen.
  await expect(page.getByTestId('sweep-on-queue')).not.toBeChecked();
  await page.getByTestId('sweep-on-queue').check();
  await page.getByTestId('start-sweep').click();
  await expect(page.getByTestId('sweep-progress')).toHaveText('3 of 3 done', { timeout: 90_000 });
  await expect(page.getByTestId('sweep-state')).toHaveText('completed');
  await expect(page.getByTestId('sweep-results').locator('thead th')).toHaveText(['Rank', 'Trial', 'Validation acc.', 'Train acc.', 'optimizer.lr', 'Worker', 'Curves', 'Actions']);
  await expect(page.getByTestId('sweep-row-worker')).toHaveText([host, host, host]);
  await page.getByRole('button', { name: 'Refresh the list of workers' }).click();
  await expect(workerRow.locator('td').nth(2)).toHaveText('3');
  await screenshotView(page, testInfo, 'sweeps-queue', { fullPage: true });
});
