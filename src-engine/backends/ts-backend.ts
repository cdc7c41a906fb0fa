import type { Backend, FloatArray, SparseProductArgs } from '../backend';

/**
 * The reference backend: plain loops, written to be read next to the book. Loop orders are chosen so the
 * innermost loop walks memory contiguously (i-k-j for C = A*B), which is all the speed it aims for.
 */
export function createTsBackend(): Backend {
  return tsBackend;
}

function requireLength(name: string, array: ArrayLike<number>, needed: number, what: string): void {
  if (array.length < needed) {
    throw new RangeError(`${name}: ${what} needs ${needed} values, got ${array.length}`);
  }
}

function requireSameDtype(name: string, ...arrays: FloatArray[]): void {
  const f64 = arrays[0] instanceof Float64Array;
  for (const a of arrays) {
    if (!(a instanceof Float32Array) && !(a instanceof Float64Array)) {
      throw new TypeError(`${name}: expected Float32Array or Float64Array`);
    }
    if (a instanceof Float64Array !== f64) {
      throw new TypeError(`${name}: all arrays must share one dtype (float32 or float64)`);
    }
  }
}

/**
 * RangeError when two views share memory: the outputs the Backend interface does not allow to alias, refused
 * as the native backend refuses them (whole views compared, as there).
 */
function requireNoOverlap(name: string, a: ArrayBufferView, b: ArrayBufferView, message: string): void {
  const meet = a.buffer === b.buffer && a.byteLength > 0 && b.byteLength > 0 && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
  if (meet) throw new RangeError(`${name}: ${message}`);
}

function requireDims(name: string, dims: Record<string, number>): void {
  for (const [key, value] of Object.entries(dims)) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`${name}: ${key} must be a non-negative integer, got ${value}`);
    }
  }
}

const tsBackend: Backend = {
  name: 'ts',

  gemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
    requireDims('gemm', { m, n, k });
    requireSameDtype('gemm', a, b, c);
    const shapeA = transA ? `${k}x${m} (A^T)` : `${m}x${k}`;
    const shapeB = transB ? `${n}x${k} (B^T)` : `${k}x${n}`;
    requireLength('gemm', a, m * k, `A ${shapeA}`);
    requireLength('gemm', b, k * n, `B ${shapeB}`);
    requireLength('gemm', c, m * n, `C ${m}x${n}`);
    if (m * n > 0 && m * k > 0) requireNoOverlap('gemm', c, a, 'C must not overlap A or B');
    if (m * n > 0 && k * n > 0) requireNoOverlap('gemm', c, b, 'C must not overlap A or B');
    const size = m * n;
    // BLAS convention: beta = 0 overwrites C, so stale NaN in C never leaks into the result.
    if (beta === 0) c.fill(0, 0, size);
    else if (beta !== 1) for (let i = 0; i < size; i++) c[i] *= beta;
    if (alpha === 0 || k === 0) return;

    if (!transA && !transB) {
      for (let i = 0; i < m; i++) {
        const rowC = i * n;
        for (let p = 0; p < k; p++) {
          const aip = alpha * a[i * k + p];
          const rowB = p * n;
          for (let j = 0; j < n; j++) c[rowC + j] += aip * b[rowB + j];
        }
      }
    } else if (transA && !transB) {
      // A is stored k x m: walk it row by row (one input feature at a time) for contiguous access.
      for (let p = 0; p < k; p++) {
        const rowA = p * m;
        const rowB = p * n;
        for (let i = 0; i < m; i++) {
          const api = alpha * a[rowA + i];
          const rowC = i * n;
          for (let j = 0; j < n; j++) c[rowC + j] += api * b[rowB + j];
        }
      }
    } else if (!transA && transB) {
      // B is stored n x k: each C entry is a dot product of two contiguous rows.
      for (let i = 0; i < m; i++) {
        const rowA = i * k;
        for (let j = 0; j < n; j++) {
          const rowB = j * k;
          let sum = 0;
          for (let p = 0; p < k; p++) sum += a[rowA + p] * b[rowB + p];
          c[i * n + j] += alpha * sum;
        }
      }
    } else {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const rowB = j * k;
          let sum = 0;
          for (let p = 0; p < k; p++) sum += a[p * m + i] * b[rowB + p];
          c[i * n + j] += alpha * sum;
        }
      }
    }
  },

  addBias(x, rows, cols, bias, relu) {
    requireDims('addBias', { rows, cols });
    requireSameDtype('addBias', x, bias);
    requireLength('addBias', x, rows * cols, `x ${rows}x${cols}`);
    requireLength('addBias', bias, cols, `bias ${cols}`);
    for (let r = 0; r < rows; r++) {
      const row = r * cols;
      for (let j = 0; j < cols; j++) {
        const v = x[row + j] + bias[j];
        x[row + j] = relu && v <= 0 ? 0 : v;
      }
    }
  },

  colSums(x, rows, cols, out) {
    requireDims('colSums', { rows, cols });
    requireSameDtype('colSums', x, out);
    requireLength('colSums', x, rows * cols, `x ${rows}x${cols}`);
    requireLength('colSums', out, cols, `out ${cols}`);
    if (rows > 0 && cols > 0) requireNoOverlap('colSums', out, x, 'out must not overlap x');
    out.fill(0, 0, cols);
    for (let r = 0; r < rows; r++) {
      const row = r * cols;
      for (let j = 0; j < cols; j++) out[j] += x[row + j];
    }
  },

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

  axpby(alpha, x, beta, y, n) {
    requireDims('axpby', { n });
    requireSameDtype('axpby', x, y);
    requireLength('axpby', x, n, 'x');
    requireLength('axpby', y, n, 'y');
    if (beta === 1) for (let i = 0; i < n; i++) y[i] += alpha * x[i];
    else for (let i = 0; i < n; i++) y[i] = alpha * x[i] + beta * y[i];
  },

  optimizerStep(rule, w, g, s1, s2, n, lr, p1, p2, eps) {
    requireDims('optimizerStep', { n });
    requireSameDtype('optimizerStep', w, g, s1, s2);
    for (const [array, name] of [[w, 'w'], [g, 'g'], [s1, 's1']] as const) requireLength('optimizerStep', array, n, name);
    if (rule === 'adam') requireLength('optimizerStep', s2, n, 's2');
    switch (rule) {
      case 'momentum':
        for (let i = 0; i < n; i++) {
          s1[i] = p1 * s1[i] - lr * g[i];
          w[i] += s1[i];
        }
        return;
      case 'nesterov':
        for (let i = 0; i < n; i++) {
          w[i] += p1 * p1 * s1[i];
          w[i] -= (1 + p1) * lr * g[i];
          s1[i] = p1 * s1[i] - lr * g[i];
        }
        return;
      case 'adagrad':
        for (let i = 0; i < n; i++) {
          s1[i] += g[i] * g[i];
          w[i] -= (lr * g[i]) / (Math.sqrt(s1[i]) + eps);
        }
        return;
      case 'rmsprop':
        for (let i = 0; i < n; i++) {
          s1[i] = p1 * s1[i] + (1 - p1) * g[i] * g[i];
          w[i] -= (lr * g[i]) / (Math.sqrt(s1[i]) + eps);
        }
        return;
      case 'adam':
        for (let i = 0; i < n; i++) {
          s1[i] += (1 - p1) * (g[i] - s1[i]);
          s2[i] += (1 - p2) * (g[i] * g[i] - s2[i]);
          w[i] -= (lr * s1[i]) / (Math.sqrt(s2[i]) + eps);
        }
        return;
    }
  },

  batchNormForward(x, rows, cols, gamma, beta, runningMean, runningVar, train, momentum, eps, xc, xn, std, out) {
    requireDims('batchNormForward', { rows, cols });
    requireSameDtype('batchNormForward', x, gamma, beta, runningMean, runningVar, xc, xn, std, out);
    requireLength('batchNormForward', x, rows * cols, `x (${rows}, ${cols})`);
    requireLength('batchNormForward', out, rows * cols, `out (${rows}, ${cols})`);
    for (const [array, name] of [[gamma, 'gamma'], [beta, 'beta'], [runningMean, 'runningMean'], [runningVar, 'runningVar']] as const) requireLength('batchNormForward', array, cols, name);
    if (!train) {
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < cols; j++) {
          const i = r * cols + j;
          out[i] = gamma[j] * ((x[i] - runningMean[j]) / Math.sqrt(runningVar[j] + eps)) + beta[j];
        }
      }
      return;
    }
    requireLength('batchNormForward', xc, rows * cols, 'xc');
    requireLength('batchNormForward', xn, rows * cols, 'xn');
    requireLength('batchNormForward', std, cols, 'std');
    for (let j = 0; j < cols; j++) {
      let mean = 0;
      for (let r = 0; r < rows; r++) mean += x[r * cols + j];
      mean /= rows;
      let variance = 0;
      for (let r = 0; r < rows; r++) {
        const i = r * cols + j;
        xc[i] = x[i] - mean;
        variance += xc[i] * xc[i];
      }
      variance /= rows;
      runningMean[j] = momentum * runningMean[j] + (1 - momentum) * mean;
      runningVar[j] = momentum * runningVar[j] + (1 - momentum) * variance;
      std[j] = Math.sqrt(variance + eps);
      for (let r = 0; r < rows; r++) {
        const i = r * cols + j;
        xn[i] = xc[i] / std[j];
        out[i] = gamma[j] * xn[i] + beta[j];
      }
    }
  },

  batchNormBackward(dout, rows, cols, gamma, xc, xn, std, dx, dgamma, dbeta) {
    requireDims('batchNormBackward', { rows, cols });
    requireSameDtype('batchNormBackward', dout, gamma, xc, xn, std, dx, dgamma, dbeta);
    if (rows === 0) throw new RangeError('batchNormBackward: needs at least one row');
    for (const [array, name] of [[dout, 'dout'], [xc, 'xc'], [xn, 'xn'], [dx, 'dx']] as const) requireLength('batchNormBackward', array, rows * cols, `${name} (${rows}, ${cols})`);
    for (const [array, name] of [[gamma, 'gamma'], [std, 'std'], [dgamma, 'dgamma'], [dbeta, 'dbeta']] as const) requireLength('batchNormBackward', array, cols, name);
    for (let j = 0; j < cols; j++) {
      let db = 0;
      let dg = 0;
      let sumDxnXc = 0;
      for (let r = 0; r < rows; r++) {
        const i = r * cols + j;
        db += dout[i];
        dg += xn[i] * dout[i];
        sumDxnXc += gamma[j] * dout[i] * xc[i];
      }
      dbeta[j] = db;
      dgamma[j] = dg;
      const dstd = -sumDxnXc / (std[j] * std[j]);
      const dvar = (0.5 * dstd) / std[j];
      let dmu = 0;
      for (let r = 0; r < rows; r++) {
        const i = r * cols + j;
        dx[i] = (gamma[j] * dout[i]) / std[j] + (2 / rows) * xc[i] * dvar;
        dmu += dx[i];
      }
      for (let r = 0; r < rows; r++) dx[r * cols + j] -= dmu / rows;
    }
  },

  sumSquares(x, n) {
    requireDims('sumSquares', { n });
    requireLength('sumSquares', x, n, 'x');
    let sum = 0;
    for (let i = 0; i < n; i++) sum += x[i] * x[i];
    return sum;
  },

  mul(a, b, out, n) {
    requireDims('mul', { n });
    requireSameDtype('mul', a, b, out);
    requireLength('mul', a, n, 'a');
    requireLength('mul', b, n, 'b');
    requireLength('mul', out, n, 'out');
    for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
  },

  argmaxRows(x, rows, cols, out) {
    requireDims('argmaxRows', { rows, cols });
    requireLength('argmaxRows', x, rows * cols, `x ${rows}x${cols}`);
    requireLength('argmaxRows', out, rows, `out ${rows}`);
    if (rows > 0 && cols === 0) throw new RangeError('argmaxRows: rows of 0 columns have no maximum');
    for (let r = 0; r < rows; r++) {
      const row = r * cols;
      let best = 0;
      for (let j = 1; j < cols; j++) if (x[row + j] > x[row + best]) best = j;
      out[r] = best;
    }
  },

  gatherRows(src, rowLength, indices, scale, out) {
    requireDims('gatherRows', { rowLength });
    const rows = indices.length;
    const available = rowLength === 0 ? Infinity : Math.floor(src.length / rowLength);
    requireSameDtype('gatherRows', out);
    requireLength('gatherRows', out, rows * rowLength, `out ${rows}x${rowLength}`);
    // The indices are checked as rows are written: out must not be able to change them, nor src.
    requireNoOverlap('gatherRows', out, src, 'out must not overlap src or indices');
    requireNoOverlap('gatherRows', out, indices, 'out must not overlap src or indices');
    for (let r = 0; r < rows; r++) {
      const index = indices[r];
      if (!(index >= 0 && index < available)) {
        throw new RangeError(`gatherRows: index ${index} at position ${r} is outside [0, ${available})`);
      }
      const from = index * rowLength;
      const to = r * rowLength;
      for (let j = 0; j < rowLength; j++) out[to + j] = src[from + j] * scale;
    }
  },

  sparseMatmul(...args) {
    checkSparseProduct('sparseMatmul', false, args);
    const [rowStart, columns, values, , indices, scale, w, n, out] = args;
    const rows = indices.length;
    out.fill(0, 0, rows * n);
    for (let r = 0; r < rows; r++) {
      const image = indices[r];
      for (let j = rowStart[image]; j < rowStart[image + 1]; j++) {
        // The sums run in the dense i-k-j order minus the zeros.
        const v = scaledPixel(values[j], scale, out);
        const rowW = columns[j] * n;
        for (let c = 0; c < n; c++) out[r * n + c] += v * w[rowW + c];
      }
    }
  },

  prefetchSparseRows() {
    // JavaScript has no cache hints.
  },

  sparseMatmulTransposed(...args) {
    checkSparseProduct('sparseMatmulTransposed', true, args);
    const [rowStart, columns, values, rowLength, indices, scale, dout, n, out] = args;
    const rows = indices.length;
    out.fill(0, 0, rowLength * n);
    for (let r = 0; r < rows; r++) {
      const image = indices[r];
      for (let j = rowStart[image]; j < rowStart[image + 1]; j++) {
        const v = scaledPixel(values[j], scale, out);
        const rowOut = columns[j] * n;
        for (let c = 0; c < n; c++) out[rowOut + c] += v * dout[r * n + c];
      }
    }
  },
};

/** The pixel as gatherRows would store it in `out`'s dtype. */
function scaledPixel(value: number, scale: number, out: FloatArray): number {
  return out instanceof Float32Array ? Math.fround(value * scale) : value * scale;
}

/**
 * A sparse product's shapes and dtypes (the dense operand is W, rowLength x n, or for the transposed product
 * dout, rows x n) and every pixel it reads: inside the stored arrays and the dense row.
 */
function checkSparseProduct(name: string, transposed: boolean, args: SparseProductArgs): void {
  const [rowStart, columns, values, rowLength, indices, , dense, n, out] = args;
  requireDims(name, { rowLength, n });
  requireSameDtype(name, dense, out);
  const rows = indices.length;
  if (transposed) {
    requireLength(name, dense, rows * n, `dout ${rows}x${n}`);
    requireLength(name, out, rowLength * n, `out ${rowLength}x${n}`);
  } else {
    requireLength(name, dense, rowLength * n, `W ${rowLength}x${n}`);
    requireLength(name, out, rows * n, `out ${rows}x${n}`);
  }
  requireNoOverlap(name, out, dense, 'out must not overlap its input');
  for (const encoding of [rowStart, columns, values, indices]) requireNoOverlap(name, out, encoding, 'out must not overlap rowStart, columns, values or indices');
  const images = rowStart.length - 1;
  if (images < 0) throw new RangeError(`${name}: rowStart needs at least 1 value (images + 1)`);
  if (values.length < columns.length) throw new RangeError(`${name}: values has ${values.length} entries but columns has ${columns.length}`);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r];
    if (!(i >= 0 && i < images)) throw new RangeError(`${name}: index ${i} at position ${r} is outside [0, ${images})`);
    const begin = rowStart[i];
    const end = rowStart[i + 1];
    if (begin < 0 || end < begin || end > columns.length) {
      throw new RangeError(`${name}: image ${i} spans pixels [${begin}, ${end}) outside the ${columns.length} stored`);
    }
    for (let j = begin; j < end; j++) {
      if (columns[j] >= rowLength) throw new RangeError(`${name}: image ${i} has pixel column ${columns[j]} outside rowLength ${rowLength}`);
    }
  }
}

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
