import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig, type TrainConfigInput } from '../src-shared/config';
import type { Dataset } from './dataset';
import { bundledMnistDirectory, loadIdxDataset } from '../src-services/data/load-dataset';
import type { OptimizerRule } from './backend';
import { selectBackend } from '../src-services/backends/select-backend';
import { createTsBackend } from './backends/ts-backend';
import { createOptimizer, StatefulOptimizer } from './optimizers';
import { Tensor } from './tensor';
import { Trainer } from './training/trainer';

const ts = createTsBackend();
const scalar = (v: number): Record<string, Tensor> => ({ w: Tensor.from([v], [1], 'float64') });

describe('the book\'s optimizers (common/optimizer.py)', () => {
  // Two updates of w = 1 with gradients 0.5 then -0.2, worked out by hand from the book's formulas.
  const cases: Array<[OptimizerRule, Record<string, number>, number]> = [
    // v1 = -0.005, w = 0.995; v2 = 0.9*-0.005 + 0.002 = -0.0025, w = 0.9925
    ['momentum', { lr: 0.01, p1: 0.9 }, 0.9925],
    // w += 0.81*0 ; w -= 1.9*0.01*0.5 -> 0.9905 ; v = -0.005 ; w += 0.81*-0.005 -> 0.98645 ; w += 1.9*0.002 -> 0.99025
    ['nesterov', { lr: 0.01, p1: 0.9 }, 0.99025],
    // h = 0.25, w = 1 - 0.01*0.5/(0.5+1e-7); h = 0.29, w += 0.01*0.2/(sqrt(0.29)+1e-7)
    ['adagrad', { lr: 0.01 }, 1 - (0.01 * 0.5) / (0.5 + 1e-7) + (0.01 * 0.2) / (Math.sqrt(0.29) + 1e-7)],
    // h = 0.0025, w = 1 - 0.01*0.5/(0.05+1e-7); h = 0.99*0.0025 + 0.01*0.04 = 0.002875
    ['rmsprop', { lr: 0.01, p1: 0.99 }, 1 - (0.01 * 0.5) / (0.05 + 1e-7) + (0.01 * 0.2) / (Math.sqrt(0.002875) + 1e-7)],
  ];
  for (const [rule, options, expected] of cases) {
    it(`${rule} follows the book's update`, () => {
      const params = scalar(1);
      const optimizer = new StatefulOptimizer(ts, rule, { lr: options.lr!, p1: options.p1 ?? 0 });
      optimizer.update(params, scalar(0.5));
      optimizer.update(params, scalar(-0.2));
      // float64 arithmetic of a few operations: equal to ~1e-15.
      expect(params.w!.data[0]).toBeCloseTo(expected, 14);
    });
  }

  it('adam folds the bias correction into lr_t with one step counter shared by all parameters', () => {
    const params = { a: Tensor.from([1], [1], 'float64'), b: Tensor.from([2], [1], 'float64') };
    const adam = createOptimizer({ type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999 }, ts);
    adam.update(params, { a: Tensor.from([0.5], [1], 'float64'), b: Tensor.from([0.5], [1], 'float64') });
    // Step 1: lr_t = 0.001*sqrt(0.001)/0.1; m = 0.05; v = 0.00025; w -= lr_t*m/(sqrt(v)+1e-7).
    const lrT = (0.001 * Math.sqrt(1 - 0.999)) / (1 - 0.9);
    const expected = lrT * 0.05 / (Math.sqrt(0.00025) + 1e-7);
    expect(1 - params.a.data[0]!).toBeCloseTo(expected, 15);
    expect(2 - params.b.data[0]!).toBeCloseTo(expected, 15);
    expect(adam.snapshot().step).toBe(1);
  });
});

describe('optimizers in training', () => {
  let mnist: Dataset;
  beforeAll(async () => {
    mnist = await loadIdxDataset(bundledMnistDirectory());
  });

  function losses(input: TrainConfigInput, iterations: number, split?: number): number[] {
    const config = parseTrainConfig({ ...input, training: { iterations, evaluateEvery: 1_000_000, evaluationSamples: 10, ...input.training } });
    const { backend } = selectBackend('native');
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
    for (const optimizer of [{ type: 'adam' as const }, { type: 'momentum' as const }]) {
      const config = { network: { hiddenSizes: [20] }, optimizer };
      expect(losses(config, 60, 30)).toEqual(losses(config, 60));
    }
  });

  it('section 6.1.8: after 2000 iterations SGD\'s loss is above Momentum\'s, AdaGrad\'s and Adam\'s', () => {
    // The book's setup: 784-[100x4]-10 ReLU, He init, batch 128, each optimizer at its default parameters.
    const base = { network: { hiddenSizes: [100, 100, 100, 100], activation: 'relu' as const, weightInit: 'he' as const }, training: { batchSize: 128 }, seed: 0 };
    const last = (optimizer: TrainConfigInput['optimizer']): number => {
      const curve = losses({ ...base, optimizer }, 2000);
      // The mean of the last 100 batch losses: single batches are noisy.
      return curve.slice(-100).reduce((a, b) => a + b, 0) / 100;
    };
    const sgd = last({ type: 'sgd', lr: 0.01 });
    const momentum = last({ type: 'momentum' });
    const adagrad = last({ type: 'adagrad' });
    const adam = last({ type: 'adam' });
    expect(sgd).toBeGreaterThan(momentum);
    expect(sgd).toBeGreaterThan(adagrad);
    expect(sgd).toBeGreaterThan(adam);
    // The book's reference run ends near 0.16 for SGD and 0.01-0.09 for the others.
    expect(sgd).toBeGreaterThan(0.1);
    expect(Math.max(momentum, adagrad, adam)).toBeLessThan(0.15);
  });
});
