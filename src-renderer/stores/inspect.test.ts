import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ConfusionReport } from '../../src-shared/api';
import type { RunRecord } from '../../src-shared/run-record';
import { fakeHost, flush } from '../test-support/fake-host';
import { testRecord, testSummary } from '../test-support/run-records';
import { bestRun, useInspectStore } from './inspect';

function record(id: string, best: number | null, finishedAt = '2025-01-02T00:00:00.000Z'): RunRecord {
  return testRecord(id, { updatedAt: finishedAt, finishedAt, summary: testSummary(best) });
}

const report = (cellImages: number[][][]): ConfusionReport => ({
  classes: 2,
  images: 4,
  counts: [
    [1, 1],
    [0, 2],
  ],
  perClassAccuracy: [0.5, 1],
  accuracy: 0.75,
  mistakes: [{ index: 3, label: 0, predicted: 1, confidence: 0.8 }],
  cellImages,
  iteration: 10,
  seconds: 0.1,
});

describe('the run inspected', () => {
  it('is by default the finished run of best test accuracy; runs without one come last', () => {
    const runs = [record('a', 0.91), record('b', null), record('c', 0.95), record('d', 0.93)];
    expect(bestRun(runs)?.id).toBe('c');
    expect(bestRun([record('b', null), record('e', null)])?.id).toBe('b');
    expect(bestRun([])).toBeUndefined();
  });
});

describe('the inspect store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('loads the matrix and its gallery; a cell opens its images; an older answer does not overwrite a newer one', async () => {
    const calls = fakeHost();
    const inspect = useInspectStore();
    const first = inspect.load('run-1');
    const second = inspect.load('run-2');
    expect(calls.map((c) => [c.method, c.params.id])).toEqual([
      ['confusion', 'run-1'],
      ['confusion', 'run-2'],
    ]);
    calls[1]!.resolve({ ok: true, value: report([[[], [3]], [[], []]]) });
    await flush();
    calls[0]!.resolve({ ok: true, value: report([[[], [9]], [[], []]]) });
    await flush();
    expect(inspect.reportRunId).toBe('run-2');
    // The gallery asks for the mistakes' images with their probabilities.
    expect(calls[2]).toMatchObject({ method: 'classifiedImages', params: { id: 'run-2', indices: [3] } });
    calls[2]!.resolve({ ok: true, value: [{ index: 3, label: 0, pixels: [0], rows: 1, cols: 1, probabilities: [0.2, 0.8] }] });
    await Promise.all([first, second]);
    expect(inspect.gallery.images.map((i) => i.index)).toEqual([3]);

    const opening = inspect.openCell({ label: 0, predicted: 1 });
    expect(calls[3]).toMatchObject({ method: 'classifiedImages', params: { id: 'run-2', indices: [3] } });
    expect(inspect.cellImages.loading).toBe(true);
    calls[3]!.resolve({ ok: false, error: 'the run was deleted' });
    await opening;
    expect(inspect.cellImages).toEqual({ images: [], loading: false, error: 'the run was deleted' });
  });

  it('says why a matrix could not be computed', async () => {
    const calls = fakeHost();
    const inspect = useInspectStore();
    const loading = inspect.load('run-1');
    calls[0]!.resolve({ ok: false, error: 'run "x" has no saved weights yet' });
    await loading;
    expect(inspect.error).toBe('run "x" has no saved weights yet');
    expect(inspect.loading).toBe(false);
  });

  it('looks inside the most confident mistake until an image is picked, and keeps a pick only while it is in the test set', async () => {
    const calls = fakeHost();
    const inspect = useInspectStore();
    expect(inspect.insideIndex).toBeUndefined();
    const loading = inspect.load('run-1');
    calls[0]!.resolve({ ok: true, value: report([[[], [3]], [[], []]]) });
    await flush();
    expect(inspect.insideIndex).toBe(3);
    inspect.openImage(1);
    expect(inspect.insideIndex).toBe(1);
    // Past the 4 test images of this report: back to the most confident mistake.
    inspect.openImage(4);
    expect(inspect.insideIndex).toBe(3);
    calls[1]!.resolve({ ok: true, value: [] });
    await loading;
  });
});
