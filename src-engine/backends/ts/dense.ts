import type { Backend } from '../../backend';
import { requireLength, requireSameDtype, requireNoOverlap, requireDims } from './checks';

/** Dense matrix kernels: the GEMM (i-k-j loops, so the innermost loop walks memory contiguously), bias, column sums, axpby, products and argmax. */
export const denseKernels: Pick<Backend, 'gemm' | 'addBias' | 'colSums' | 'axpby' | 'sumSquares' | 'mul' | 'argmaxRows'> = {
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

  axpby(alpha, x, beta, y, n) {
    requireDims('axpby', { n });
    requireSameDtype('axpby', x, y);
    requireLength('axpby', x, n, 'x');
    requireLength('axpby', y, n, 'y');
    if (beta === 1) for (let i = 0; i < n; i++) y[i] += alpha * x[i];
    else for (let i = 0; i < n; i++) y[i] = alpha * x[i] + beta * y[i];
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
};
