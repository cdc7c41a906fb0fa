import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunQueueState } from '../../src-shared/api';
import { parseTrainConfig } from '../../src-shared/config';
import type { RunRecord } from '../../src-shared/run-record';
import { fakeHost, flush, type HostCall } from '../test-support/fake-host';
import { testRecord } from '../test-support/run-records';
import { activeRunRows, queueDescription, queueSummary } from './active-runs';
import { useRunsStore } from './runs';
import { useTrainingStore } from './training';


function record(id: string, status: RunRecord['status'], createdAt = '2025-01-01T00:00:00.000Z'): RunRecord {
  return testRecord(id, { status, createdAt, updatedAt: createdAt });
}

const queueOf = (queued: RunQueueState['queued'], training = 2): RunQueueState => ({ concurrency: 2, training, memoryBudgetBytes: 4e9, queued });

describe('the list of active runs', () => {
  it('lists training and paused runs first, newest first, then the queue in the order it starts, each saying why it waits', () => {
    const records = [
      record('done', 'completed'),
      record('q2', 'queued', '2025-01-01T00:00:05.000Z'),
      record('old', 'running', '2025-01-01T00:00:01.000Z'),
      record('q1', 'queued', '2025-01-01T00:00:06.000Z'),
      record('new', 'paused', '2025-01-01T00:00:02.000Z'),
      record('elsewhere', 'queued', '2025-01-01T00:00:03.000Z'),
    ];
    const queue = queueOf([
      { runId: 'q1', position: 1, waitingFor: 'slot', memoryBytes: 1e8 },
      { runId: 'q2', position: 2, waitingFor: 'ahead', memoryBytes: 1e8 },
    ]);
    const rows = activeRunRows(records, queue);
    expect(rows.map((r) => [r.id, r.state])).toEqual([
      ['new', 'paused'],
      ['old', 'running'],
      ['q1', 'queued · next · all 2 training slots in use (a paused run keeps its slot)'],
      ['q2', 'queued · #2 in line'],
      ['elsewhere', 'queued by another process'],
    ]);
    expect(queueSummary(rows, queue)).toBe('1 running · 1 paused · 3 queued · 2 at once');
    expect(queueDescription({ runId: 'q1', position: 1, waitingFor: 'memory', memoryBytes: 3.2e9 }, queue)).toBe(
      'queued · next · waits for memory: needs 3.2 GB beside the runs training (budget 4.0 GB)',
    );
  });
});

describe('useTrainingStore with several runs', () => {
  let calls: HostCall[];
  beforeEach(() => {
    setActivePinia(createPinia());
    calls = fakeHost();
  });

  it('starts a second run while one trains, follows it, and goes back to the first in one step', async () => {
    const runs = useRunsStore();
    runs.listings = [{ kind: 'ok', record: record('first', 'running') }];
    const training = useTrainingStore();
    training.follow('first');
    expect(training.canStart).toBe(true);

    const started = training.start(parseTrainConfig({ seed: 2 }));
    expect(training.canStart).toBe(false);
    calls.find((c) => c.method === 'startRun')!.resolve({ ok: true, value: record('second', 'queued', '2025-01-01T00:00:09.000Z') });
    await started;
    expect(training.canStart).toBe(true);
    expect(training.currentRunId).toBe('second');
    expect(training.previousRecord?.id).toBe('first');
    expect(training.activeRuns.map((r) => r.id)).toEqual(['first', 'second']);

    // The controls act on the followed run.
    void training.stop();
    expect(calls.at(-1)).toMatchObject({ method: 'stopRun', params: { id: 'second' } });
    calls.at(-1)!.resolve({ ok: true, value: null });
    await flush();

    training.follow(training.previousRecord!.id);
    expect(training.currentRunId).toBe('first');
    expect(training.previousRunId).toBeUndefined();
    void training.pause();
    expect(calls.at(-1)).toMatchObject({ method: 'pauseRun', params: { id: 'first' } });
  });

  it('keeps the queue as the host reports it, on connecting and by events', async () => {
    const training = useTrainingStore();
    const refreshed = training.refreshQueue();
    calls[0]!.resolve({ ok: true, value: queueOf([]) });
    await refreshed;
    expect(training.queue?.queued).toEqual([]);
    useRunsStore().listings = [{ kind: 'ok', record: record('waiting', 'queued') }];
    training.handle({ type: 'queue', state: queueOf([{ runId: 'waiting', position: 1, waitingFor: 'memory', memoryBytes: 1e9 }]) });
    expect(training.activeRuns[0]?.state).toMatch(/^queued · next · waits for memory: needs 1\.0 GB/);
    training.handle({ type: 'runDeleted', id: 'other' });
    expect(training.queue?.queued).toHaveLength(1);
  });
});
