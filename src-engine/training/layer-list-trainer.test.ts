import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../dataset';
import { nativeForTests } from '../../src-services/backends/native-for-tests';
import { bundledMnistDirectory, loadIdxDataset } from '../../src-services/data/load-dataset';
import type { Backend } from '../backend';
import { createTsBackend } from '../backends/ts-backend';
import { runGradientCheck } from '../gradient-check';
import { traceLayers } from '../graph/layer-graph';
import type { LayerListSpec } from '../networks/layer-list-spec';
import { OPTIMIZER_DEFAULTS } from '../optimizers';
import type { EvaluationRecord } from './evaluation-record';
import { Trainer, type TrainerOptions } from './trainer';
import { trainSpec, type TrainSpecInput } from './train-spec';

let mnist: Dataset;
beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

/** The book's 784-50-10 as a layer list: the same weights drawn in the same order, the same layers. */
const listed: LayerListSpec = { input: [1, 28, 28], layers: [{ type: 'affine', units: 50 }, { type: 'relu' }, { type: 'affine', units: 10 }], output: 10, weightInit: 0.01, weightDecay: 0.01 };
const schedule: TrainSpecInput['training'] = { iterations: 40, batchSize: 50, trainSubset: 1000, evaluateEvery: 15, evaluationSamples: 500 };

function trained(network: TrainSpecInput['network'], backend: Backend, options: TrainerOptions): { losses: number[]; evaluations: EvaluationRecord[]; trainer: Trainer } {
  const trainer = new Trainer(trainSpec({ network, optimizer: OPTIMIZER_DEFAULTS.adam, training: schedule, seed: 7 }), mnist, backend, options);
  const losses: number[] = [];
  const evaluations: EvaluationRecord[] = [];
  trainer.run({ onIteration: (_, loss) => losses.push(loss), onEvaluation: (r) => evaluations.push(r) });
  return { losses, evaluations, trainer };
}

describe('a layer list trains through the same trainer as the MLP', () => {
  it('an affine-first list reads sparse rows and gives the MLP\'s very losses, evaluations and gradient flow (weight decay included)', () => {
    const ts = createTsBackend();
    const mlp = trained({ hiddenSizes: [50], weightDecay: 0.01 }, ts, { input: 'sparse' });
    const list = trained(listed, ts, { input: 'sparse' });
    expect(list.trainer.inputFormat).toBe('sparse');
    expect(list.losses).toHaveLength(40);
    expect(list.losses).toEqual(mlp.losses);
    expect(list.evaluations).toEqual(mlp.evaluations);
    expect(list.evaluations.map((e) => e.gradients?.length)).toEqual([2, 2, 2, 2]);
  });

  it('a list starting with a convolution takes dense input, and refuses sparse input by name', () => {
    const conv: LayerListSpec = { input: [1, 28, 28], layers: [{ type: 'conv', filters: 2, size: 5, stride: 1, pad: 0 }, { type: 'relu' }, { type: 'pool', size: 2, stride: 2 }, { type: 'affine', units: 10 }], output: 10, weightInit: 'he' };
    const trainer = new Trainer(trainSpec({ network: conv, training: schedule }), mnist, createTsBackend());
    expect(trainer.inputFormat).toBe('dense');
    expect(() => new Trainer(trainSpec({ network: conv, training: schedule }), mnist, createTsBackend(), { input: 'sparse' })).toThrow(
      'input "sparse" needs a network whose first layer is an affine: this one starts with a convolution or pooling, use "dense" or "auto"',
    );
    expect(() => new Trainer(trainSpec({ network: { ...conv, input: [1, 14, 14] }, training: schedule }), mnist, createTsBackend())).toThrow('network.input is (1, 14, 14) but mnist images are (1, 28, 28)');
  });

  it.skipIf(!nativeForTests.backend)('an affine-first list evaluates on the background thread with the records of evaluating in place (native)', () => {
    const native = nativeForTests.backend!;
    const background = trained(listed, native, { input: 'dense' });
    const inPlace = trained(listed, native, { input: 'dense', backgroundEvaluation: false });
    expect(background.losses).toEqual(inPlace.losses);
    expect(background.evaluations).toEqual(inPlace.evaluations);
    expect(trained({ hiddenSizes: [50], weightDecay: 0.01 }, native, { input: 'dense' }).evaluations).toEqual(background.evaluations);
  });

  it('a conv net\'s layer trace (the Graph view) and gradient check (the Gradient check view) run on its own layers', () => {
    const conv: LayerListSpec = { input: [1, 28, 28], layers: [{ type: 'conv', filters: 2, size: 3, stride: 1, pad: 0 }, { type: 'sigmoid' }, { type: 'pool', size: 2, stride: 2 }, { type: 'affine', units: 10 }], output: 10, weightInit: 0.1, lossDelta: 0 };
    const trainer = new Trainer(trainSpec({ network: conv, training: schedule }), mnist, createTsBackend());
    const trace = traceLayers(trainer.net, mnist.train, 4);
    expect(trace.layers.map((l) => [l.kind, l.inputShape, l.outputShape])).toEqual([
      ['Convolution', [4, 1, 28, 28], [4, 2, 26, 26]],
      ['Sigmoid', [4, 2, 26, 26], [4, 2, 26, 26]],
      ['Pooling', [4, 2, 26, 26], [4, 2, 13, 13]],
      ['Affine', [4, 2, 13, 13], [4, 10]],
      ['SoftmaxWithLoss', [4, 10], []],
    ]);
    // The first layer's dx is never computed; its weight gradient is.
    expect(trace.layers[0]!.inputGradientNorm).toBeNull();
    expect(trace.layers[0]!.weightGradientNorm).toBeGreaterThan(0);
    // float64 without the loss's delta: backprop and central differences agree within the check's bound. Without
    // the pooling: its max switches where two window values lie within the h = 1e-4 perturbation, and over
    // MNIST's flat background many windows tie (see layer-list-net.test.ts for the book's own check).
    const smooth: LayerListSpec = { ...conv, layers: [{ type: 'conv', filters: 1, size: 3, stride: 1, pad: 0 }, { type: 'sigmoid' }, { type: 'affine', units: 10 }] };
    const check = runGradientCheck({ network: smooth, dtype: 'float64', seed: 1 }, mnist, createTsBackend(), 1);
    expect(Object.keys(check.differences)).toEqual(['W1', 'b1', 'W2', 'b2']);
    for (const difference of Object.values(check.differences)) expect(difference).toBeLessThanOrEqual(check.bound);
  });
});
