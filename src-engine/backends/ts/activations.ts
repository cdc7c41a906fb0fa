import type { Backend, FloatArray } from '../../backend';
import { requireLength, requireSameDtype, requireDims } from './checks';

/** The activations and the softmax with cross-entropy, each forward beside its backward. */
export const activationsKernels: Pick<Backend, 'reluForward' | 'reluBackward' | 'sigmoidForward' | 'sigmoidBackward' | 'softmaxRows' | 'softmaxCrossEntropy' | 'softmaxCrossEntropyBackward'> = {
  reluForward(x, y, mask, n) {
    requireDims('reluForward', { n });
    requireSameDtype('reluForward', x, y);
    requireLength('reluForward', x, n, 'x');
    requireLength('reluForward', y, n, 'y');
    requireLength('reluForward', mask, n, 'mask');
    for (let i = 0; i < n; i++) {
      // The book masks x <= 0, so the gradient at exactly 0 is 0; NaN is kept, as numpy does.
      const v = x[i];
      const keep = !(v <= 0);
      mask[i] = keep ? 1 : 0;
      y[i] = keep ? v : 0;
    }
  },

  reluBackward(dout, mask, dx, n) {
    requireDims('reluBackward', { n });
    requireSameDtype('reluBackward', dout, dx);
    requireLength('reluBackward', dout, n, 'dout');
    requireLength('reluBackward', dx, n, 'dx');
    requireLength('reluBackward', mask, n, 'mask');
    for (let i = 0; i < n; i++) dx[i] = mask[i] ? dout[i] : 0;
  },

  sigmoidForward(x, y, n) {
    requireDims('sigmoidForward', { n });
    requireSameDtype('sigmoidForward', x, y);
    requireLength('sigmoidForward', x, n, 'x');
    requireLength('sigmoidForward', y, n, 'y');
    for (let i = 0; i < n; i++) y[i] = stableSigmoid(x[i]);
  },

  sigmoidBackward(dout, y, dx, n) {
    requireDims('sigmoidBackward', { n });
    requireSameDtype('sigmoidBackward', dout, y, dx);
    requireLength('sigmoidBackward', dout, n, 'dout');
    requireLength('sigmoidBackward', y, n, 'y');
    requireLength('sigmoidBackward', dx, n, 'dx');
    for (let i = 0; i < n; i++) dx[i] = dout[i] * (1 - y[i]) * y[i];
  },

  softmaxRows(x, y, rows, cols) {
    requireDims('softmaxRows', { rows, cols });
    requireSameDtype('softmaxRows', x, y);
    requireLength('softmaxRows', x, rows * cols, `x ${rows}x${cols}`);
    requireLength('softmaxRows', y, rows * cols, `y ${rows}x${cols}`);
    for (let r = 0; r < rows; r++) softmaxRow(x, y, r * cols, cols);
  },

  softmaxCrossEntropy(x, labels, y, rows, cols, delta) {
    requireDims('softmaxCrossEntropy', { rows, cols });
    requireSameDtype('softmaxCrossEntropy', x, y);
    requireLength('softmaxCrossEntropy', x, rows * cols, `x ${rows}x${cols}`);
    requireLength('softmaxCrossEntropy', y, rows * cols, `y ${rows}x${cols}`);
    requireLength('softmaxCrossEntropy', labels, rows, `labels ${rows}`);
    let total = 0;
    for (let r = 0; r < rows; r++) {
      const label = labels[r];
      if (!(label >= 0 && label < cols)) {
        throw new RangeError(`softmaxCrossEntropy: label ${label} at row ${r} is outside [0, ${cols})`);
      }
      softmaxRow(x, y, r * cols, cols);
      total += Math.log(y[r * cols + label] + delta);
    }
    return rows === 0 ? 0 : -total / rows;
  },

  softmaxCrossEntropyBackward(y, labels, dx, rows, cols) {
    requireDims('softmaxCrossEntropyBackward', { rows, cols });
    requireSameDtype('softmaxCrossEntropyBackward', y, dx);
    requireLength('softmaxCrossEntropyBackward', y, rows * cols, `y ${rows}x${cols}`);
    requireLength('softmaxCrossEntropyBackward', dx, rows * cols, `dx ${rows}x${cols}`);
    requireLength('softmaxCrossEntropyBackward', labels, rows, `labels ${rows}`);
    const scale = 1 / rows;
    for (let r = 0; r < rows; r++) {
      const label = labels[r];
      if (!(label >= 0 && label < cols)) {
        throw new RangeError(`softmaxCrossEntropyBackward: label ${label} at row ${r} is outside [0, ${cols})`);
      }
      const row = r * cols;
      for (let j = 0; j < cols; j++) dx[row + j] = (y[row + j] - (j === label ? 1 : 0)) * scale;
    }
  },
};

/** 1/(1+e^-x) without overflow: for negative x use e^x/(1+e^x), whose exponent cannot blow up. */
function stableSigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function softmaxRow(x: FloatArray, y: FloatArray, offset: number, cols: number): void {
  // Subtracting this row's max (not the batch's) keeps exp() finite and every row independent.
  let max = -Infinity;
  for (let j = 0; j < cols; j++) if (x[offset + j] > max) max = x[offset + j];
  let sum = 0;
  for (let j = 0; j < cols; j++) {
    const e = Math.exp(x[offset + j] - max);
    y[offset + j] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let j = 0; j < cols; j++) y[offset + j] *= inv;
}
