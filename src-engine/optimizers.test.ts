import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from './dataset';
import { nativeForTests } from '../src-services/backends/native-for-tests';
import { bundledMnistDirectory, loadIdxDataset } from '../src-services/data/load-dataset';
import { createTsBackend } from './backends/ts-backend';
import { TensorOps } from './ops';
import { AdaGrad, Adam, createOptimizer, Momentum, Nesterov, OPTIMIZER_DEFAULTS, RMSprop, SGD, type Optimizer } from './optimizers';
import { Tensor } from './tensor';
import { Trainer } from './training/trainer';
import { trainSpec, type TrainSpecInput } from './training/train-spec';

const ops = new TensorOps(createTsBackend());
const scalar = (v: number): Record<string, Tensor> => ({ w: Tensor.from([v], [1], 'float64') });

describe('the book\'s optimizers (common/optimizer.py)', () => {
  // Two updates of w = 1 with gradients 0.5 then -0.2, worked out by hand from the book's formulas.
  const cases: Array<[string, () => Optimizer, number]> = [
    // w = 1 - 0.01*0.5 + 0.01*0.2
    ['SGD', () => new SGD(ops, 0.01), 0.997],
    // v1 = -0.005, w = 0.995; v2 = 0.9*-0.005 + 0.002 = -0.0025, w = 0.9925
    ['Momentum', () => new Momentum(ops, 0.01, 0.9), 0.9925],
    // w += 0.81*0 ; w -= 1.9*0.01*0.5 -> 0.9905 ; v = -0.005 ; w += 0.81*-0.005 -> 0.98645 ; w += 1.9*0.002 -> 0.99025
    ['Nesterov', () => new Nesterov(ops, 0.01, 0.9), 0.99025],
    // h = 0.25, w = 1 - 0.01*0.5/(0.5+1e-7); h = 0.29, w += 0.01*0.2/(sqrt(0.29)+1e-7)
    ['AdaGrad', () => new AdaGrad(ops, 0.01), 1 - (0.01 * 0.5) / (0.5 + 1e-7) + (0.01 * 0.2) / (Math.sqrt(0.29) + 1e-7)],
    // h = 0.0025, w = 1 - 0.01*0.5/(0.05+1e-7); h = 0.99*0.0025 + 0.01*0.04 = 0.002875
    ['RMSprop', () => new RMSprop(ops, 0.01, 0.99), 1 - (0.01 * 0.5) / (0.05 + 1e-7) + (0.01 * 0.2) / (Math.sqrt(0.002875) + 1e-7)],
  ];
  for (const [name, create, expected] of cases) {
    it(`${name} follows the book's update`, () => {
      const params = scalar(1);
      const optimizer = create();
      optimizer.update(params, scalar(0.5));
      optimizer.update(params, scalar(-0.2));
      // float64 arithmetic of a few operations: equal to ~1e-15.
      expect(params.w!.data[0]).toBeCloseTo(expected, 14);
    });
  }

  it('adam folds the bias correction into lr_t with one step counter shared by all parameters', () => {
    const params = { a: Tensor.from([1], [1], 'float64'), b: Tensor.from([2], [1], 'float64') };
    const adam = createOptimizer(OPTIMIZER_DEFAULTS.adam, ops);
    adam.update(params, { a: Tensor.from([0.5], [1], 'float64'), b: Tensor.from([0.5], [1], 'float64') });
    // Step 1: lr_t = 0.001*sqrt(0.001)/0.1; m = 0.05; v = 0.00025; w -= lr_t*m/(sqrt(v)+1e-7).
    const lrT = (0.001 * Math.sqrt(1 - 0.999)) / (1 - 0.9);
    const expected = lrT * 0.05 / (Math.sqrt(0.00025) + 1e-7);
    expect(1 - params.a.data[0]!).toBeCloseTo(expected, 15);
    expect(2 - params.b.data[0]!).toBeCloseTo(expected, 15);
    expect(adam.snapshot().step).toBe(1);
  });

  it('keeps its state under the checkpoint names of earlier versions, and a restored copy continues identically', () => {
    const grads = { a: Tensor.from([0.5], [1], 'float64'), b: Tensor.from([-0.3], [1], 'float64') };
    const adam = new Adam(ops);
    const params = { a: Tensor.from([1], [1], 'float64'), b: Tensor.from([2], [1], 'float64') };
    adam.update(params, grads);
    const state = adam.snapshot();
    expect(Object.keys(state.tensors)).toEqual(['optimizer.s1.a', 'optimizer.s1.b', 'optimizer.s2.a', 'optimizer.s2.b']);
    const copy = new Adam(ops);
    copy.restore(state);
    const copied = { a: params.a.clone(), b: params.b.clone() };
    adam.update(params, grads);
    copy.update(copied, grads);
    expect(Array.from(copied.a.data)).toEqual(Array.from(params.a.data));
    expect(Array.from(copied.b.data)).toEqual(Array.from(params.b.data));
    expect(Object.keys(new Momentum(ops).snapshot().tensors)).toEqual([]);
  });
});

describe.skipIf(!nativeForTests.backend)('optimizers in training (native backend)', () => {
  let mnist: Dataset;
  beforeAll(async () => {
    mnist = await loadIdxDataset(bundledMnistDirectory());
  });

  function losses(input: TrainSpecInput, iterations: number, split?: number): number[] {
    const config = trainSpec({ ...input, training: { iterations, evaluateEvery: 1_000_000, evaluationSamples: 10, ...input.training } });
    const backend = nativeForTests.backend!;
    let trainer = new Trainer(config, mnist, backend);
    const out: number[] = [];
    for (let i = 0; i < iterations; i++) {
      if (i === split) {
        // Resume from a snapshot in a fresh trainer, as a stopped run does from its checkpoint.
        const { tensors, meta } = trainer.snapshot();
        const copies = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.clone()]));
        trainer = new Trainer(config, mnist, backend);
        trainer.restore(copies, JSON.parse(JSON.stringify(meta)));
      }
      out.push(trainer.advance().loss);
    }
    return out;
  }

  it('a run resumed from a snapshot continues the same curve with stateful optimizers (Adam, Momentum)', () => {
    for (const optimizer of [OPTIMIZER_DEFAULTS.adam, OPTIMIZER_DEFAULTS.momentum]) {
      const config = { network: { hiddenSizes: [20] }, optimizer };
      expect(losses(config, 60, 30)).toEqual(losses(config, 60));
    }
  });
});
