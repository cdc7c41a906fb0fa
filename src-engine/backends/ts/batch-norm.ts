import type { Backend } from '../../backend';
import { requireLength, requireSameDtype, requireDims } from './checks';

/** The book's BatchNormalization, forward (training and inference) and backward. */
export const batchNormKernels: Pick<Backend, 'batchNormForward' | 'batchNormBackward'> = {
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
};
