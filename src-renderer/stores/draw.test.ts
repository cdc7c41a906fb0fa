import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TestImage } from '../../src-shared/api';
import type { RunRecord } from '../../src-shared/run-record';
import { fakeHost, flush, type HostCall } from '../test-support/fake-host';
import { testRecord, testSummary } from '../test-support/run-records';
import { argmax, defaultRun, finishedRuns, formatPercent, runAccuracy, testImageInput, useDrawStore } from './draw';
import { useRunsStore } from './runs';


function record(id: string, status: RunRecord['status'], finishedAt: string, summary = true, best = 0.9): RunRecord {
  return testRecord(id, { status, updatedAt: finishedAt, finishedAt, ...(summary ? { summary: testSummary(best) } : {}) });
}

const probs = (digit: number): number[] => Array.from({ length: 10 }, (_, i) => (i === digit ? 0.91 : 0.01));

describe('pure helpers', () => {
  it('defaults to the finished run with the highest best test accuracy, the newest on a tie', () => {
    const runs = finishedRuns([
      record('new', 'completed', '2025-01-05T00:00:00.000Z', true, 0.95),
      record('top', 'stopped', '2025-01-03T00:00:00.000Z', true, 0.982),
      record('tie', 'completed', '2025-01-02T00:00:00.000Z', true, 0.982),
      record('none', 'completed', '2025-01-06T00:00:00.000Z', false),
    ]);
    expect(defaultRun(runs)?.id).toBe('top');
    expect(runAccuracy(runs[2]!)).toBe(0.982);
    expect(runAccuracy(runs[0]!)).toBeUndefined();
    // Without any accuracy: the newest.
    expect(defaultRun([runs[0]!])?.id).toBe('none');
  });
  it('lists finished runs newest first and defaults to one with a summary', () => {
    const runs = [
      record('a', 'completed', '2025-01-02T00:00:00.000Z'),
      record('b', 'running', '2025-01-05T00:00:00.000Z'),
      record('c', 'stopped', '2025-01-04T00:00:00.000Z', false),
      record('d', 'diverged', '2025-01-06T00:00:00.000Z'),
      record('e', 'stopped', '2025-01-03T00:00:00.000Z'),
    ];
    const finished = finishedRuns(runs);
    expect(finished.map((r) => r.id)).toEqual(['c', 'e', 'a']);
    expect(defaultRun(finished)?.id).toBe('e');
    expect(defaultRun([])).toBeUndefined();
  });
  it('formats and picks the best class', () => {
    expect(argmax([0.1, 0.7, 0.2])).toBe(1);
    expect(argmax([])).toBe(-1);
    expect(formatPercent(0.9823)).toBe('98.2 %');
    expect(testImageInput({ pixels: [0, 255, 51] })).toEqual([0, 1, 0.2]);
  });
});

describe('useDrawStore', () => {
  let calls: HostCall[];
  beforeEach(() => {
    setActivePinia(createPinia());
    calls = fakeHost();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  function withRuns(...records: RunRecord[]): void {
    useRunsStore().listings = records.map((r) => ({ kind: 'ok' as const, record: r }));
  }

  it('says so when there is no model to classify with', () => {
    const draw = useDrawStore();
    draw.classify([0.5]);
    expect(calls).toHaveLength(0);
    expect(draw.error).toMatch(/Train view/);
    expect(draw.input).toEqual([0.5]);
  });

  it('keeps one request in flight and sends only the latest input after it', async () => {
    withRuns(record('a', 'completed', '2025-01-02T00:00:00.000Z'));
    const draw = useDrawStore();
    draw.classify([0.1]);
    draw.classify([0.2]);
    draw.classify([0.3]);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.params).toEqual({ id: 'a', pixels: [0.1] });
    expect(draw.pending).toBe(true);

    calls[0]!.resolve({ ok: true, value: { probabilities: probs(1) } });
    await flush();
    expect(draw.prediction?.digit).toBe(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.params).toEqual({ id: 'a', pixels: [0.3] });
    expect(draw.pending).toBe(true);

    calls[1]!.resolve({ ok: true, value: { probabilities: probs(3) } });
    await flush();
    expect(calls).toHaveLength(2);
    expect(draw.prediction).toEqual({ digit: 3, probability: 0.91 });
    expect(draw.pending).toBe(false);
  });

  it('shows the host message and recovers on the next answer', async () => {
    withRuns(record('a', 'completed', '2025-01-02T00:00:00.000Z'));
    const draw = useDrawStore();
    draw.classify([0.1]);
    calls[0]!.resolve({ ok: false, error: 'input has 1 values; the network expects 784' });
    await flush();
    expect(draw.error).toBe('Could not classify with “run a”: input has 1 values; the network expects 784');
    expect(draw.probabilities).toBeUndefined();
    expect(draw.pending).toBe(false);
    draw.classify([0.2]);
    calls[1]!.resolve({ ok: true, value: { probabilities: probs(2) } });
    await flush();
    expect(draw.error).toBeUndefined();
  });

  it('drops the answer to a request made before a clear', async () => {
    withRuns(record('a', 'completed', '2025-01-02T00:00:00.000Z'));
    const draw = useDrawStore();
    draw.classify([0.1]);
    draw.classify([0.2]);
    draw.clear();
    calls[0]!.resolve({ ok: true, value: { probabilities: probs(1) } });
    await flush();
    expect(draw.probabilities).toBeUndefined();
    expect(draw.input).toBeUndefined();
    expect(calls).toHaveLength(1);
    expect(draw.pending).toBe(false);
  });

  it('classifies the input again with a newly chosen model', async () => {
    withRuns(record('a', 'completed', '2025-01-02T00:00:00.000Z'), record('b', 'stopped', '2025-01-01T00:00:00.000Z'));
    const draw = useDrawStore();
    expect(draw.runId).toBe('a');
    draw.classify([0.1]);
    draw.runId = 'b';
    await flush();
    calls[0]!.resolve({ ok: true, value: { probabilities: probs(1) } });
    await flush();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.params).toEqual({ id: 'b', pixels: [0.1] });
    expect(draw.probabilities).toBeUndefined();
    calls[1]!.resolve({ ok: true, value: { probabilities: probs(4) } });
    await flush();
    expect(draw.prediction?.digit).toBe(4);
    expect(draw.predictedBy).toBe('b');
  });

  it('falls back to the default when the chosen run is no longer finished', () => {
    withRuns(record('a', 'completed', '2025-01-02T00:00:00.000Z'), record('b', 'stopped', '2025-01-01T00:00:00.000Z'));
    const draw = useDrawStore();
    draw.runId = 'b';
    expect(draw.runId).toBe('b');
    withRuns(record('a', 'completed', '2025-01-02T00:00:00.000Z'));
    expect(draw.runId).toBe('a');
  });

  it('undo drops the last stroke, then a test image', () => {
    withRuns(record('a', 'completed', '2025-01-02T00:00:00.000Z'));
    const draw = useDrawStore();
    draw.strokes = [[{ x: 1, y: 1, width: 19 }], [{ x: 2, y: 2, width: 19 }]];
    draw.undo();
    expect(draw.strokes).toHaveLength(1);
    const image: TestImage = { index: 3, label: 7, pixels: new Array<number>(784).fill(255), rows: 28, cols: 28 };
    draw.classifyTestImage(image);
    expect(draw.strokes).toHaveLength(0);
    expect(calls[0]!.params.pixels).toEqual(new Array<number>(784).fill(1));
    draw.undo();
    expect(draw.testImage).toBeUndefined();
    expect(draw.input).toBeUndefined();
  });

  it('pages through test images and wraps at the end of the set', async () => {
    const draw = useDrawStore();
    const page = (offset: number, count: number): TestImage[] =>
      Array.from({ length: count }, (_, i) => ({ index: offset + i, label: 0, pixels: [], rows: 28, cols: 28 }));
    void draw.ensureTestImages();
    expect(calls[0]!.params).toEqual({ dataset: { kind: 'mnist' }, offset: 0, count: 12 });
    calls[0]!.resolve({ ok: true, value: page(0, 12) });
    await flush();
    expect(draw.testImages).toHaveLength(12);

    void draw.ensureTestImages();
    expect(calls).toHaveLength(1);

    void draw.nextTestImages();
    calls[1]!.resolve({ ok: true, value: page(12, 5) });
    await flush();
    expect(draw.testOffset).toBe(12);
    expect(draw.testCount).toBe(17);

    void draw.nextTestImages();
    expect(calls[2]!.params.offset).toBe(0);
  });

  it('retries a random page past the end within the size the host reports', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const draw = useDrawStore();
    void draw.randomTestImages();
    expect(calls[0]!.params.offset).toBe(Math.floor(0.5 * (10_000 - 12 + 1)));
    calls[0]!.resolve({ ok: false, error: 'the test set has 30 images; offset 5000 is past its end' });
    await flush();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.params.offset).toBe(Math.floor(0.5 * (30 - 12 + 1)));
    expect(draw.testCount).toBe(30);
    expect(draw.testError).toBeUndefined();
  });

  it('reports a failed load with the cause', async () => {
    const draw = useDrawStore();
    void draw.ensureTestImages();
    calls[0]!.resolve({ ok: false, error: 'MNIST download failed: offline' });
    await flush();
    expect(draw.testError).toBe('Could not load test images: MNIST download failed: offline');
    expect(draw.testLoading).toBe(false);
  });
});
