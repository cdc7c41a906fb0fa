import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../src-engine/backends/ts-backend';
import type { Dataset } from '../src-engine/dataset';
import type { EvaluationRecord } from '../src-engine/training/evaluation-record';
import { Trainer } from '../src-engine/training/trainer';
import { trainSpec } from '../src-engine/training/train-spec';
import { denseSplit } from '../src-services/data/idx-fixtures';
import { onStopSignals, REPEAT_WINDOW_MS } from './stop-signals';
import { trainInSlices } from './train-loop';

const dataset: Dataset = {
  name: 'dense',
  directory: '/',
  train: { ...denseSplit(300, 4, 4, 4), count: 300, rows: 4, cols: 4 },
  test: { ...denseSplit(60, 4, 4, 4, 3), count: 60, rows: 4, cols: 4 },
  classes: 4,
};
const spec = trainSpec({ network: { inputSize: 16, hiddenSizes: [6], outputSize: 4, dropout: 0.1 }, training: { batchSize: 20, iterations: 40, evaluateEvery: 7 }, dtype: 'float64' });

function recorded(): { losses: number[]; records: EvaluationRecord[]; callbacks: { onIteration(i: number, loss: number): void; onEvaluation(r: EvaluationRecord): void } } {
  const losses: number[] = [];
  const records: EvaluationRecord[] = [];
  return { losses, records, callbacks: { onIteration: (_i, loss) => losses.push(loss), onEvaluation: (r) => records.push(r) } };
}

describe('training in time slices (the CLI loop)', () => {
  it('makes the same steps, losses and evaluations as Trainer.run, one step per slice', async () => {
    const sync = recorded();
    const reference = new Trainer(spec, dataset, createTsBackend()).run(sync.callbacks);
    const sliced = recorded();
    let slices = 0;
    const result = await trainInSlices(new Trainer(spec, dataset, createTsBackend()), sliced.callbacks, {
      sliceMs: 0,
      between: async () => {
        slices++;
      },
    });
    expect(slices).toBe(40);
    expect(sliced.losses).toEqual(sync.losses);
    expect(sliced.records).toEqual(sync.records);
    expect({ ...result, seconds: 0, evaluationSeconds: 0, iterationsPerSecond: 0 }).toEqual({ ...reference, seconds: 0, evaluationSeconds: 0, iterationsPerSecond: 0 });
  });

  it('sees a stop requested between two slices before the next step, and ends "stopped" without a final evaluation', async () => {
    const run = recorded();
    let stop = false;
    let slices = 0;
    const trainer = new Trainer(spec, dataset, createTsBackend());
    const result = await trainInSlices(trainer, { ...run.callbacks, shouldStop: () => stop }, {
      sliceMs: 0,
      between: async () => {
        // As a SIGINT handler would, while the loop waits between slices.
        if (++slices === 10) stop = true;
      },
    });
    expect(result.status).toBe('stopped');
    expect(trainer.iteration).toBe(10);
    expect(run.losses).toHaveLength(10);
    expect(run.records.map((r) => [r.iteration, r.final])).toEqual([[1, false], [8, false]]);
  });
});

describe('Ctrl+C and SIGTERM', () => {
  function signals() {
    const target = new EventEmitter();
    const notes: string[] = [];
    let now = 0;
    let quits = 0;
    let stops = 0;
    const request = onStopSignals({
      target,
      clock: () => now,
      write: (text) => notes.push(text),
      firstNote: 'stopping',
      secondNote: 'quitting',
      onStop: () => stops++,
      quit: () => quits++,
    });
    return { target, notes, request, advance: (ms: number) => (now += ms), quits: () => quits, stops: () => stops };
  }

  it('the first asks for a stop; a repeat of the same keypress is ignored; a later one quits at once', () => {
    const s = signals();
    expect(s.request.requested).toBe(false);
    s.target.emit('SIGINT');
    expect(s.request.requested).toBe(true);
    expect(s.stops()).toBe(1);
    // npm and tsx forward the terminal's SIGINT to their child: the same keypress arrives again at once.
    s.advance(30);
    s.target.emit('SIGINT');
    expect(s.quits()).toBe(0);
    s.advance(REPEAT_WINDOW_MS);
    s.target.emit('SIGTERM');
    expect(s.quits()).toBe(1);
    expect(s.notes).toEqual(['stopping', 'quitting']);
  });

  it('SIGTERM stops like Ctrl+C, and dispose gives the signals back', () => {
    const s = signals();
    s.target.emit('SIGTERM');
    expect(s.request.requested).toBe(true);
    s.request.dispose();
    expect(s.target.listenerCount('SIGINT') + s.target.listenerCount('SIGTERM')).toBe(0);
  });
});
