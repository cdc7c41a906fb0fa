import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import { fusedPasses } from '../networks/fused-passes';
import { TensorOps } from '../ops';
import { Rng } from '../rng';
import { Tensor } from '../tensor';
import { ConvReluPooling } from './conv-relu-pooling';
import { Convolution } from './convolution';
import { Pooling } from './pooling';
import { Relu } from './relu';
import { ReluPooling } from './relu-pooling';

const ops = new TensorOps(createTsBackend());

function random(shape: number[], rng: Rng): Tensor {
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
  return t;
}

function layers(rng: Rng, options: { stride: number; pad: number; first: boolean }) {
  const conv = new Convolution(random([4, 2, 3, 3], rng), random([4], rng), ops, { ...options, name: 'Conv1', computeInputGradient: !options.first });
  return { conv, relu: new Relu(ops, 'Relu1'), pool: new Pooling(ops, { height: 2, width: 2, stride: 2, name: 'Pool1' }) };
}

describe('ConvReluPooling, the fast path of a first Convolution, a Relu and a 2x2 max Pooling', () => {
  it('gives the pooled output and the dW, db of the three layers run one after the other (odd output sizes, padding, stride 2)', () => {
    const rng = new Rng(47);
    for (const [h, w, stride, pad] of [[9, 8, 1, 0], [7, 7, 1, 1], [11, 10, 2, 1]] as const) {
      const { conv, relu, pool } = layers(rng, { stride, pad, first: true });
      const x = random([3, 2, h, w], rng);
      const expected = pool.forward(relu.forward(conv.forward(x))).clone();
      const dout = random(expected.shape as number[], rng);
      conv.backward(relu.backward(pool.backward(dout)));
      const [dW, db] = [conv.dW.clone(), conv.db.clone()];
      conv.dW.data.fill(NaN);
      conv.db.data.fill(NaN);
      const passes = fusedPasses([conv, relu, pool], ops);
      expect(passes.length).toBe(1);
      const fused = passes[0]!;
      expect(fused).toBeInstanceOf(ConvReluPooling);
      expect(fused.name).toBe('Conv1+Relu1+Pool1');
      const out = fused.forward(x, true);
      expect(out.shape).toEqual(expected.shape);
      expect(Array.from(out.data)).toEqual(Array.from(expected.data));
      expect(fused.backward(dout).size).toBe(0);
      // The same kernels in the same order (the TypeScript backend composes them): exact.
      expect(Array.from(conv.dW.data)).toEqual(Array.from(dW.data));
      expect(Array.from(conv.db.data)).toEqual(Array.from(db.data));
    }
  });

  it('fuses the convolution only when it is first (no input gradient) and the pooling is 2x2 with stride 2; else only Relu and Pooling', () => {
    const rng = new Rng(53);
    const inner = layers(rng, { stride: 1, pad: 0, first: false });
    expect(fusedPasses([inner.conv, inner.relu, inner.pool], ops).map((l) => l.constructor.name)).toEqual(['Convolution', 'ReluPooling']);
    const first = layers(rng, { stride: 1, pad: 0, first: true });
    const wide = new Pooling(ops, { height: 3, width: 3, stride: 2 });
    const passes = fusedPasses([first.conv, first.relu, wide], ops);
    expect(passes[0]).toBe(first.conv);
    expect(passes[1]).toBeInstanceOf(ReluPooling);
  });
});
