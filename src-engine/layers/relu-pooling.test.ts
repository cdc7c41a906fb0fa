import { describe, expect, it } from 'vitest';
import type { WindowArgs } from '../backend';
import { createTsBackend } from '../backends/ts-backend';
import { TensorOps } from '../ops';
import { Rng } from '../rng';
import { Tensor } from '../tensor';
import { Pooling } from './pooling';
import { Relu } from './relu';
import { fusedPasses } from '../networks/fused-passes';
import { ReluPooling } from './relu-pooling';

const b = createTsBackend();
const ops = new TensorOps(b);

describe('Relu then max Pooling in one kernel each way (the TypeScript reference)', () => {
  it('hand-computed: a window of negatives gives 0 and no gradient; a positive maximum takes the gradient, the first of ties', () => {
    // One 2x4 plane, two 2x2 windows: [-1, -2; -3, -0.5] and [2, 5; 5, 1].
    const x = Float64Array.of(-1, -2, 2, 5, -3, -0.5, 5, 1);
    const [out, argmax] = [new Float64Array(2), new Int32Array(2)];
    b.reluMaxPoolForward(x, out, argmax, 1, 1, 2, 4, 2, 2, 2, 0);
    expect(Array.from(out)).toEqual([0, 5]);
    expect(Array.from(argmax)).toEqual([-1, 1]);
    const dx = new Float64Array(8).fill(NaN);
    b.reluMaxPoolBackward(Float64Array.of(7, 3), argmax, dx, 1, 1, 2, 4, 2, 2, 2, 0);
    expect(Array.from(dx)).toEqual([0, 0, 0, 3, 0, 0, 0, 0]);
    expect(() => b.reluMaxPoolBackward(Float64Array.of(7, 3), Int32Array.of(-2, 0), dx, 1, 1, 2, 4, 2, 2, 2, 0)).toThrow('reluMaxPoolBackward: argmax[0] = -2 is outside the 2x2 window (or -1)');
  });

  it('equals reluForward, maxPoolForward, maxPoolBackward and reluBackward on random windows (padding, overlap, strides, ties), float32 and float64', () => {
    const rng = new Rng(41);
    for (let trial = 0; trial < 60; trial++) {
      const [n, c, h, w] = [1 + rng.integer(3), 1 + rng.integer(3), 1 + rng.integer(9), 1 + rng.integer(9)];
      const pad = rng.integer(2);
      const window: WindowArgs = trial === 0 ? [2, 3, 24, 24, 2, 2, 2, 0] : [n, c, h, w, 1 + rng.integer(Math.min(h + 2 * pad, 4)), 1 + rng.integer(Math.min(w + 2 * pad, 4)), 1 + rng.integer(3), pad];
      const [wn, wc, wh, ww, fh, fw, stride] = window;
      const pooled = wn * wc * (Math.floor((wh + 2 * window[7] - fh) / stride) + 1) * (Math.floor((ww + 2 * window[7] - fw) / stride) + 1);
      const size = wn * wc * wh * ww;
      for (const F of [Float32Array, Float64Array]) {
        // Small integers around 0: ties, zeros and all-negative windows are common.
        const x = F.from(Array.from({ length: size }, () => rng.integer(5) - 2));
        const dout = F.from(Array.from({ length: pooled }, () => rng.integer(9) - 4));
        const [relu, mask, out, argmax, dpool, dx] = [new F(size), new Uint8Array(size), new F(pooled), new Int32Array(pooled), new F(size), new F(size)];
        b.reluForward(x, relu, mask, size);
        b.maxPoolForward(relu, out, argmax, ...window);
        b.maxPoolBackward(dout, argmax, dpool, ...window);
        b.reluBackward(dpool, mask, dx, size);
        const [fusedOut, fusedArgmax, fusedDx] = [new F(pooled).fill(NaN), new Int32Array(pooled), new F(size).fill(NaN)];
        b.reluMaxPoolForward(x, fusedOut, fusedArgmax, ...window);
        b.reluMaxPoolBackward(dout, fusedArgmax, fusedDx, ...window);
        const what = `${JSON.stringify(window)} ${F.name}`;
        expect(Array.from(fusedOut), what).toEqual(Array.from(out));
        // Where the maximum is positive the two argmax agree; elsewhere the fused one says -1.
        expect(Array.from(fusedArgmax), what).toEqual(Array.from(argmax, (a, i) => (out[i]! > 0 ? a : -1)));
        // Integer gradients: the sums are exact in any order.
        expect(Array.from(fusedDx), what).toEqual(Array.from(dx));
      }
    }
  });
});

describe('ReluPooling, the fast path of a Relu followed by a Pooling', () => {
  it('gives the outputs and input gradients of the two layers run one after the other', () => {
    const rng = new Rng(43);
    const x = Tensor.zeros([3, 4, 6, 6], 'float64');
    for (let i = 0; i < x.size; i++) x.data[i] = rng.normal();
    const dout = Tensor.zeros([3, 4, 3, 3], 'float64');
    for (let i = 0; i < dout.size; i++) dout.data[i] = rng.normal();
    const relu = new Relu(ops, 'Relu1');
    const pool = new Pooling(ops, { height: 2, width: 2, stride: 2, name: 'Pool1' });
    const expected = pool.forward(relu.forward(x)).clone();
    const expectedDx = relu.backward(pool.backward(dout)).clone();
    const passes = fusedPasses([relu, pool], ops);
    expect(passes.length).toBe(1);
    const fused = passes[0]!;
    expect(fused).toBeInstanceOf(ReluPooling);
    expect(fused.name).toBe('Relu1+Pool1');
    expect(Array.from(fused.forward(x, true).data)).toEqual(Array.from(expected.data));
    expect(Array.from(fused.backward(dout).data)).toEqual(Array.from(expectedDx.data));
  });

  it('fuses only a Relu directly followed by a Pooling', () => {
    const relu = new Relu(ops);
    const pool = new Pooling(ops, { height: 2, width: 2, stride: 2 });
    expect(fusedPasses([pool, relu], ops)).toEqual([pool, relu]);
    expect(fusedPasses([relu, relu, pool], ops).map((l) => l.constructor.name)).toEqual(['Relu', 'ReluPooling']);
  });
});
