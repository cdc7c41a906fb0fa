import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../dataset';
import { nativeForTests } from '../../src-services/backends/native-for-tests';
import { loadWasmBackend } from '../../src-services/backends/wasm/wasm-backend';
import { bundledMnistDirectory, loadIdxDataset } from '../../src-services/data/load-dataset';
import type { Backend, BackgroundKernels } from '../backend';
import { createTsBackend } from '../backends/ts-backend';
import { sparseImagesOf } from '../sparse-images';
import type { EvaluationRecord } from './evaluation-record';
import { Trainer, type TrainerOptions } from './trainer';
import { trainSpec, type TrainSpecInput } from './train-spec';

let mnist: Dataset;
beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

// A background that runs each job at once on the calling thread, to test the bookkeeping on any machine.
function inlineBackground(backend: Backend): Backend {
  let issued = 0;
  const kernels: BackgroundKernels = {
    sparseMatmul: (...args) => {
      backend.sparseMatmul(...args);
      return ++issued;
    },
    gatherMatmul: (src, rowLength, indices, scale, w, n, out) => {
      const x = w instanceof Float64Array ? new Float64Array(indices.length * rowLength) : new Float32Array(indices.length * rowLength);
      backend.gatherRows(src, rowLength, indices, scale, x);
      backend.gemm(false, false, indices.length, n, rowLength, 1, x, w, 0, out);
      return ++issued;
    },
    done: (ticket) => ticket <= issued,
    wait: () => undefined,
  };
  return { ...backend, background: kernels };
}

// Several evaluations over the full test set and a 6000-image training subset, so chunks and a short last
// chunk (the test split's 10000 = 5 x 2000, the train subset's 6000 = 3 x 2000 plus its own count) all occur.
const CONFIG: TrainSpecInput = {
  network: { hiddenSizes: [24] },
  training: { iterations: 400, batchSize: 50, trainSubset: 6000, evaluateEvery: 90 },
};

interface Trace {
  readonly losses: number[];
  readonly records: EvaluationRecord[];
  /** For each record, the iteration of the step that handed it out. */
  readonly handedOutAt: number[];
}

function trace(backend: Backend, options: TrainerOptions, input: TrainSpecInput = CONFIG): Trace {
  const trainer = new Trainer(trainSpec(input), mnist, backend, options);
  const losses: number[] = [];
  const records: EvaluationRecord[] = [];
  const handedOutAt: number[] = [];
  while (!trainer.finished) {
    const outcome = trainer.advance();
    losses.push(outcome.loss);
    if (outcome.evaluation) {
      records.push(outcome.evaluation);
      handedOutAt.push(outcome.iteration);
    }
  }
  for (const record of trainer.settleEvaluations()) {
    records.push(record);
    handedOutAt.push(trainer.iteration);
  }
  const final = trainer.finalEvaluation();
  if (final) records.push(final);
  return { losses, records, handedOutAt };
}

describe('background evaluation bookkeeping (inline jobs, TypeScript backend)', () => {
  const ts = createTsBackend();

  it('gives exactly the records and losses of synchronous evaluation', () => {
    const input: TrainSpecInput = { ...CONFIG, training: { ...CONFIG.training, iterations: 120, evaluateEvery: 50, evaluationSamples: 2500 } };
    const sync = trace(ts, { input: 'sparse', backgroundEvaluation: false }, input);
    const background = trace(inlineBackground(ts), { input: 'sparse' }, input);
    // A record's iteration counts the updates made: the evaluation after step i says i + 1.
    expect(background.records.map((r) => r.iteration)).toEqual([1, 51, 101, 120]);
    expect(background.records).toEqual(sync.records);
    expect(background.losses).toEqual(sync.losses);
    // Inline jobs are done by the next step: each record comes out one step after its iteration.
    expect(background.handedOutAt.slice(0, 3)).toEqual([1, 51, 101]);
    expect(sync.handedOutAt.slice(0, 3)).toEqual([0, 50, 100]);
  });

  it('covers dense batches (gather + product) the same way, and is not used without background kernels', () => {
    const input: TrainSpecInput = { ...CONFIG, training: { ...CONFIG.training, iterations: 5, evaluateEvery: 2, evaluationSamples: 2100 } };
    const dense = trace(inlineBackground(ts), { input: 'dense' }, input);
    expect(dense.handedOutAt.slice(0, 3)).toEqual([1, 3, 5]);
    expect(dense.records).toEqual(trace(ts, { input: 'dense', backgroundEvaluation: false }, input).records);
    expect(trace(ts, { input: 'sparse' }, input).handedOutAt.slice(0, 3)).toEqual([0, 2, 4]);
  });
});

/**
 * The native background thread with a step hook: done() waits for the job, so every record comes out at the
 * step after its own, whatever the machine's load (the products still run on the other thread).
 */
function settledEachStep(backend: Backend): Backend {
  const kernels = backend.background!;
  return { ...backend, background: { ...kernels, done: (ticket) => (kernels.wait(ticket), true) } };
}

describe.skipIf(!nativeForTests.backend)('background evaluation on the native background thread', () => {
  backgroundThreadTests(() => nativeForTests.backend!);
});

describe('background evaluation on the WebAssembly backend\'s worker thread', () => {
  backgroundThreadTests(() => loadWasmBackend());
});

/** The background kernels of a backend that has them, against its own synchronous kernels. */
function backgroundThreadTests(native: () => Backend): void {

  it('gives bit-identical records and losses while training runs on, each record one step after its own', () => {
    const sync = trace(native(), { backgroundEvaluation: false });
    const background = trace(settledEachStep(native()), {});
    expect(background.records.map((r) => r.iteration)).toEqual([1, 91, 181, 271, 361, 400]);
    // The gradient flow of each record's update is measured on the training thread and rides along with it.
    expect(background.records.map((r) => r.gradients?.length)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(background.records).toEqual(sync.records);
    expect(background.losses).toEqual(sync.losses);
    // The final record (400) is finalEvaluation()'s, not handed out by a step.
    expect(background.handedOutAt).toEqual([1, 91, 181, 271, 361]);
    expect(sync.handedOutAt).toEqual([0, 90, 180, 270, 360]);
  });

  it('hands records out in order, whenever the thread finishes them, with the same values', () => {
    // Without the hook a record comes out at the first step that finds its chunks done: a later step on a busy machine.
    const background = trace(native(), {});
    expect(background.records).toEqual(trace(native(), { backgroundEvaluation: false }).records);
    background.handedOutAt.forEach((at, i) => expect(at).toBeGreaterThanOrEqual(background.records[i].iteration));
    expect(background.records.every((r, i) => i === 0 || r.iteration > background.records[i - 1].iteration)).toBe(true);
  });

  it('gives bit-identical records for dense batches too (gather + GEMM on the background thread)', () => {
    const input: TrainSpecInput = { ...CONFIG, training: { ...CONFIG.training, iterations: 200 } };
    const sync = trace(native(), { input: 'dense', backgroundEvaluation: false }, input);
    const background = trace(settledEachStep(native()), { input: 'dense' }, input);
    expect(background.records.map((r) => r.iteration)).toEqual([1, 91, 181, 200]);
    expect(background.records).toEqual(sync.records);
    expect(background.losses).toEqual(sync.losses);
    expect(background.handedOutAt).toEqual([1, 91, 181]);
  });

  it('finishes an evaluation in flight before a checkpoint, and hands its record out once', () => {
    const trainer = new Trainer(trainSpec(CONFIG), mnist, native());
    expect(trainer.inputFormat).toBe('sparse');
    trainer.advance(); // iteration 0: an evaluation starts
    const { meta } = trainer.snapshot();
    expect(meta.lastEvaluation?.iteration).toBe(1);
    const records = trainer.settleEvaluations();
    expect(records.map((r) => r.iteration)).toEqual([1]);
    expect(trainer.settleEvaluations()).toEqual([]);
    for (let i = 0; i < 10; i++) expect(trainer.advance().evaluation).toBeUndefined();
  });

  it('rejects tickets it never issued and checks a queued product like sparseMatmul', () => {
    const kernels = native().background!;
    expect(() => kernels.done(0)).toThrow(RangeError);
    expect(() => kernels.wait(2 ** 30)).toThrow(/never issued/);
    const images = sparseImagesOf(mnist.test.images, mnist.test.count, 784);
    const W = new Float32Array(784 * 10);
    const out = new Float32Array(2 * 10);
    expect(() => kernels.sparseMatmul(images.rowStart, images.columns, images.values, 784, Int32Array.of(0, 10000), 1, W, 10, out)).toThrow(/index 10000/);
    expect(() => kernels.sparseMatmul(images.rowStart, images.columns, images.values, 784, Int32Array.of(0, 1), 1, W, 10, new Float64Array(20))).toThrow(TypeError);
    const ticket = kernels.sparseMatmul(images.rowStart, images.columns, images.values, 784, Int32Array.of(0, 1), 1 / 255, W.fill(1), 10, out);
    kernels.wait(ticket);
    expect(kernels.done(ticket)).toBe(true);
    // Row r is then the sum of image r's pixels / 255 in every column.
    let sum0 = 0;
    for (let p = 0; p < 784; p++) sum0 += mnist.test.images[p] / 255;
    expect(out[0]).toBeCloseTo(sum0, 3);
    expect(out[9]).toBe(out[0]);
    // Dense jobs: checked at once like gatherRows, then out = gathered rows x W.
    const pixels = mnist.test.images;
    expect(() => kernels.gatherMatmul(pixels, 784, Int32Array.of(10000), 1, W, 10, new Float32Array(10))).toThrow(/gatherMatmulAsync: index 10000 at position 0/);
    expect(() => kernels.gatherMatmul(pixels, 784, Int32Array.of(0), 1, W, 10, new Float32Array(9))).toThrow(RangeError);
    expect(() => kernels.gatherMatmul(pixels, 784, Int32Array.of(0), 1, W, 10, new Float64Array(10))).toThrow(TypeError);
    expect(() => kernels.gatherMatmul(pixels, 784, Int32Array.of(0), 1, W, 10, new Float32Array(W.buffer, 0, 10))).toThrow(/must not overlap/);
    const dense = new Float32Array(20).fill(NaN);
    kernels.wait(kernels.gatherMatmul(pixels, 784, Int32Array.of(0, 1), 1 / 255, W, 10, dense));
    expect(dense[0]).toBeCloseTo(sum0, 3);
    expect(dense[19]).toBeCloseTo(out[19], 4);
    // A damaged encoding is found on the background thread; waiting reports it, and the job wrote nothing.
    const damaged = images.columns.slice();
    damaged[images.rowStart[1]] = 784;
    const untouched = new Float32Array(20).fill(-7);
    const bad = kernels.sparseMatmul(images.rowStart, damaged, images.values, 784, Int32Array.of(0, 1), 1, W, 10, untouched);
    expect(() => kernels.wait(bad)).toThrow(/image 1 has pixel column 784 outside rowLength 784/);
    expect(untouched.every((v) => v === -7)).toBe(true);
  });
}
