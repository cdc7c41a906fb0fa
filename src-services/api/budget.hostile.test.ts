import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../src-shared/config';
import type { RunListing } from '../../src-shared/run-record';
import { writeDenseIdxDataset } from '../data/idx-fixtures';
import { memoryBudget } from '../limits/memory-budget';
import { CHECKPOINT_FILE } from '../runs/run-layout';
import { startRealHost, type RealHost } from './real-host-fixtures';

/** Issue 13, item 8 (memory budget) and the helper-process cap, against a real host with this machine's default budget. */
describe('the memory budget and the helper cap against a real host', () => {
  let host: RealHost;
  let dataset: string;
  // The network: 32 hidden layers of 8192 in float64 with Adam.
  const huge = { network: { hiddenSizes: new Array(32).fill(8192) }, optimizer: { type: 'adam' }, dtype: 'float64' };
  // This machine's budget, as the host applies it: half of the RAM unless BACKPROP_MEMORY_BUDGET says otherwise.
  const budget = memoryBudget();
  const budgetWords = `the budget is [\\d.]+ [GMT]B \\(${budget.source.replace(/[.()$]/g, '\\$&')}\\)`;

  beforeAll(async () => {
    host = await startRealHost();
    dataset = join(host.root, 'tiny');
    await writeDenseIdxDataset(dataset, { train: 200, test: 40, rows: 4, cols: 4, classes: 4 });
  });
  afterAll(() => host.close());

  const runCount = async (): Promise<number> => (await host.client.value<RunListing[]>('listRuns')).length;

  it('startRun refuses the issue\'s 32 x 8192 float64 Adam network with the estimate in words, before a run or a process exists', async () => {
    const error = await host.client.error('startRun', { config: huge });
    console.log(`[hostile] startRun 32x8192 float64 Adam: ${error}`);
    expect(error).toMatch(new RegExp(`^config: invalid config: network\\.hiddenSizes: this network needs about \\d+ GB of memory \\(parameters 17 GB, gradients 17 GB, Adam state 33 GB, .*\\); ${budgetWords}: use fewer or narrower hidden layers \\(network\\.hiddenSizes\\), or dtype float32$`));
    expect(await runCount()).toBe(0);
    expect(host.processes.started).toBe(0);
  });

  it('layerGraph and gradientCheck refuse it before starting a helper process', async () => {
    const trace = await host.client.error('layerGraph', { config: huge, batchSize: 100 });
    expect(trace).toMatch(new RegExp(`^config: invalid config: network\\.hiddenSizes: this trace needs about \\d+ GB of memory \\(parameters 17 GB, gradients 17 GB, activations \\(batch of 100\\) [\\d.]+ [MG]B\\); ${budgetWords}`));
    const check = await host.client.error('gradientCheck', { config: huge, samples: 3 });
    expect(check).toMatch(new RegExp(`^config: invalid config: network\\.hiddenSizes: this gradient check needs about 50 GB of memory \\(parameters 17 GB, gradients 17 GB, numerical gradients 17 GB, activations \\(3 samples\\) [\\d.]+ MB\\); ${budgetWords}`));
    expect(host.processes.started).toBe(0);
  });

  it('continuing or loading a stored run with such a network is refused too (a run store from another machine)', async () => {
    const record = await host.store.create(parseTrainConfig(huge), { name: 'from a bigger machine' });
    await host.store.update(record.id, { status: 'stopped' });
    writeFileSync(join(host.store.directory(record.id), CHECKPOINT_FILE), 'not read: refused before');
    expect(await host.client.error('continueRun', { id: record.id })).toMatch(/^run "from a bigger machine": invalid config: network\.hiddenSizes: this network needs about \d+ GB/);
    expect(await host.client.error('predict', { id: record.id, pixels: new Array(784).fill(0) })).toMatch(/^run "from a bigger machine": invalid config: network\.hiddenSizes: this network needs/);
    expect(host.processes.started).toBe(0);
  });

  it('ten layerGraph requests at once start two helper processes; four wait, four are refused with a message', async () => {
    const config = { dataset: { kind: 'idx', path: dataset }, network: { inputSize: 16, hiddenSizes: [4] } };
    const replies = await Promise.all(Array.from({ length: 10 }, () => host.client.call('layerGraph', { config, batchSize: 8 })));
    const refused = replies.flatMap((r) => (r.ok ? [] : [r.error]));
    expect(refused).toEqual(new Array(4).fill('layerGraph: 2 helper processes are busy and 4 requests are waiting; try again when one finishes'));
    expect(replies.filter((r) => r.ok)).toHaveLength(6);
    expect(host.processes.started).toBe(6);
    expect(host.processes.maxAlive).toBe(2);
    expect(host.processes.alive).toBe(0);
  });
});
