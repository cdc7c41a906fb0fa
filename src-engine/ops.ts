import type { Backend, WindowArgs } from './backend';
import { describeShape, Tensor } from './tensor';
import { windowOutput, type Window } from './window';

/**
 * The input of the first Affine when it is not a dense Tensor: a minibatch that multiplies itself (the
 * encoded images of sparse-images.ts, or a first-layer product computed on another thread). Its shape is the
 * (rows, columns) of the dense matrix it stands for.
 */
export interface InputBatch {
  readonly shape: readonly [rows: number, cols: number];
  /** out = x W for this batch x. */
  matmul(backend: Backend, W: Tensor, out: Tensor): void;
  /** dW = x^T dout for this batch x. */
  matmulTransposedA(backend: Backend, dout: Tensor, dW: Tensor): void;
}

/** A left operand of the products: dense rows, or a batch that multiplies itself. */
export type Operand = Tensor | InputBatch;

/** Class labels as indices (one per row), or one-hot rows in a tensor of the scores' shape. */
export type Targets = Int32Array | Tensor;

/** Rows of the (N, -1) matrix an operand stands for; a 1-D tensor is one sample, as the book promotes it. */
export function rowsOf(x: Operand): number {
  return x.shape.length <= 1 ? 1 : x.shape[0];
}

/** Columns of the (N, -1) matrix an operand stands for (numpy's x.reshape(x.shape[0], -1)). */
function colsOf(x: Operand): number {
  if (!(x instanceof Tensor)) return x.shape[1];
  const rows = rowsOf(x);
  return rows === 0 ? 0 : x.size / rows;
}

/** The shapes and the rule they break, e.g. "matmul: out = x W needs ...; got x (4, 11), W (12, 5), out (4, 5)". */
function misfit(op: string, rule: string, operands: Record<string, Operand | Uint8Array | Int32Array>): RangeError {
  const shapes = Object.entries(operands).map(([name, x]) => `${name} ${describeShape('shape' in x ? x.shape : [x.length])}`);
  return new RangeError(`${op}: ${rule}; got ${shapes.join(', ')}`);
}

/** The hyperparameters of one optimizer step; eps is the book's 1e-7 in the denominators. */
export interface StepRates {
  readonly lr: number;
  readonly eps: number;
}

/** BatchNormalization's parameters and running statistics (see batch-normalization.ts). */
export interface BatchNormState {
  readonly gamma: Tensor;
  readonly beta: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly momentum: number;
  readonly eps: number;
}

/** What a training forward keeps for backward: xc = x - mean, xn = xc / std, std = sqrt(var + eps). */
export interface BatchNormSaved {
  readonly xc: Tensor;
  readonly xn: Tensor;
  readonly std: Tensor;
}

/**
 * The named tensor operations that layers and optimizers call: each checks its operands' shapes (tensors are
 * read as their (N, -1) matrices) with a message naming them, then makes one kernel call of the backend,
 * whose positional signatures carry raw arrays and sizes. Outputs are caller-owned tensors.
 */
export class TensorOps {
  constructor(readonly backend: Backend) {}

  /** out = x W. */
  matmul(x: Operand, W: Tensor, out: Tensor): void {
    const rows = rowsOf(x);
    const k = W.shape[0];
    const n = W.shape[1];
    if (W.shape.length !== 2 || colsOf(x) !== k || out.size !== rows * n) throw misfit('matmul', 'out = x W needs x (N, k), W (k, n), out (N, n)', { x, W, out });
    if (x instanceof Tensor) this.backend.gemm(false, false, rows, n, k, 1, x.data, W.data, 0, out.data);
    else x.matmul(this.backend, W, out);
  }

  /** out = x^T dout: the weight gradient of x W. */
  matmulTransposedA(x: Operand, dout: Tensor, out: Tensor): void {
    const rows = rowsOf(x);
    const k = colsOf(x);
    const n = colsOf(dout);
    if (rowsOf(dout) !== rows || out.size !== k * n) throw misfit('matmulTransposedA', 'out = x^T dout needs x (N, k), dout (N, n), out (k, n)', { x, dout, out });
    if (x instanceof Tensor) this.backend.gemm(true, false, k, n, rows, 1, x.data, dout.data, 0, out.data);
    else x.matmulTransposedA(this.backend, dout, out);
  }

  /** out = dout W^T: the input gradient of x W. */
  matmulTransposedB(dout: Tensor, W: Tensor, out: Tensor): void {
    const rows = rowsOf(dout);
    const n = colsOf(dout);
    const k = W.shape[0];
    if (W.shape.length !== 2 || W.shape[1] !== n || out.size !== rows * k) throw misfit('matmulTransposedB', 'out = dout W^T needs dout (N, n), W (k, n), out (N, k)', { dout, W, out });
    this.backend.gemm(false, true, rows, k, n, 1, dout.data, W.data, 0, out.data);
  }

  /** x[r, :] += v for every row r (numpy's broadcast of a bias). */
  addRowVector(x: Tensor, v: Tensor): void {
    const cols = colsOf(x);
    if (v.size !== cols) throw misfit('addRowVector', 'x + v needs x (N, n), v (n)', { x, v });
    this.backend.addBias(x.data, rowsOf(x), cols, v.data, false);
  }

  /** out = x.sum(axis=0): the bias gradient of x W + b. */
  sumRows(x: Tensor, out: Tensor): void {
    const cols = colsOf(x);
    if (out.size !== cols) throw misfit('sumRows', 'out = x.sum(axis=0) needs x (N, n), out (n)', { x, out });
    this.backend.colSums(x.data, rowsOf(x), cols, out.data);
  }

  /** out = max(x, 0) and mask = (x > 0), elementwise. */
  reluForward(x: Tensor, out: Tensor, mask: Uint8Array): void {
    if (out.size !== x.size || mask.length !== x.size) throw misfit('reluForward', 'x, out and mask need one size', { x, out, mask });
    this.backend.reluForward(x.data, out.data, mask, x.size);
  }

  /** dx = dout where mask, else 0. */
  reluBackward(dout: Tensor, mask: Uint8Array, dx: Tensor): void {
    if (mask.length !== dout.size || dx.size !== dout.size) throw misfit('reluBackward', 'dout, mask and dx need one size (the last forward\'s)', { dout, mask, dx });
    this.backend.reluBackward(dout.data, mask, dx.data, dout.size);
  }

  /** out = 1 / (1 + exp(-x)), elementwise. */
  sigmoidForward(x: Tensor, out: Tensor): void {
    if (out.size !== x.size) throw misfit('sigmoidForward', 'x and out need one size', { x, out });
    this.backend.sigmoidForward(x.data, out.data, x.size);
  }

  /** dx = dout * (1 - y) * y, with y the forward's output. */
  sigmoidBackward(dout: Tensor, y: Tensor, dx: Tensor): void {
    if (y.size !== dout.size || dx.size !== dout.size) throw misfit('sigmoidBackward', 'dout, y and dx need one size (the last forward\'s)', { dout, y, dx });
    this.backend.sigmoidBackward(dout.data, y.data, dx.data, dout.size);
  }

  /** y = softmax(x) per row; returns the mean cross-entropy -sum(log(y[t] + delta)) / N. */
  softmaxCrossEntropy(x: Tensor, t: Targets, y: Tensor, delta: number): number {
    const rows = rowsOf(x);
    const cols = colsOf(x);
    if (y.size !== x.size) throw misfit('softmaxCrossEntropy', 'x and y need one size', { x, y });
    // Like the book, one-hot targets are read as the argmax of each row.
    const labels = t instanceof Tensor ? this.labelsOf(t, x) : t;
    if (labels.length !== rows) throw misfit('softmaxCrossEntropy', 'one label per row of x', { x, labels });
    return this.backend.softmaxCrossEntropy(x.data, labels, y.data, rows, cols, delta);
  }

  /** dx = (y - t) / N for the softmax output y: the gradient of the mean cross-entropy. */
  softmaxCrossEntropyBackward(y: Tensor, t: Targets, dx: Tensor): void {
    const rows = rowsOf(y);
    if (dx.size !== y.size) throw misfit('softmaxCrossEntropyBackward', 'y and dx need one size', { y, dx });
    if (t instanceof Tensor) {
      if (t.size !== y.size) throw misfit('softmaxCrossEntropyBackward', 'one-hot t needs the shape of y', { y, t });
      dx.data.set(y.data);
      this.backend.axpby(-1 / rows, t.data, 1 / rows, dx.data, y.size);
    } else {
      if (t.length !== rows) throw misfit('softmaxCrossEntropyBackward', 'one label per row of y', { y, t });
      this.backend.softmaxCrossEntropyBackward(y.data, t, dx.data, rows, colsOf(y));
    }
  }

  /** out[r] = the column of row r's largest value (numpy's argmax(axis=1)). */
  argmaxRows(x: Tensor, out: Int32Array): void {
    if (out.length !== rowsOf(x)) throw misfit('argmaxRows', 'one out entry per row of x', { x, out });
    this.backend.argmaxRows(x.data, rowsOf(x), colsOf(x), out);
  }

  /**
   * Training: out = gamma * (x - mean) / sqrt(var + eps) + beta per column with the batch's mean and biased
   * variance; the running statistics move toward them (running = momentum * running + (1 - momentum) * batch)
   * and `saved` keeps what backward needs.
   */
  batchNormTrainForward(x: Tensor, out: Tensor, state: BatchNormState, saved: BatchNormSaved): void {
    const cols = this.checkBatchNorm('batchNormTrainForward', x, out, state);
    if (saved.xc.size !== x.size || saved.xn.size !== x.size || saved.std.size !== cols) throw misfit('batchNormTrainForward', 'xc and xn need the shape of x, std (features)', { x, xc: saved.xc, std: saved.std });
    const { gamma, beta, runningMean, runningVar, momentum, eps } = state;
    this.backend.batchNormForward(x.data, rowsOf(x), cols, gamma.data, beta.data, runningMean.data, runningVar.data, true, momentum, eps, saved.xc.data, saved.xn.data, saved.std.data, out.data);
  }

  /** Inference: out = gamma * (x - running mean) / sqrt(running var + eps) + beta per column. */
  batchNormInference(x: Tensor, out: Tensor, state: BatchNormState): void {
    const cols = this.checkBatchNorm('batchNormInference', x, out, state);
    const { gamma, beta, runningMean, runningVar, momentum, eps } = state;
    // The kernel's xc, xn and std are for training only: inference leaves them untouched, out stands in.
    this.backend.batchNormForward(x.data, rowsOf(x), cols, gamma.data, beta.data, runningMean.data, runningVar.data, false, momentum, eps, out.data, out.data, out.data, out.data);
  }

  /** The book's BatchNormalization backward: dx, dgamma = sum(xn * dout), dbeta = sum(dout). */
  batchNormBackward(dout: Tensor, gamma: Tensor, saved: BatchNormSaved, grads: { dx: Tensor; dgamma: Tensor; dbeta: Tensor }): void {
    const cols = gamma.size;
    if (colsOf(dout) !== cols || dout.size !== saved.xc.size || grads.dx.size !== dout.size) throw misfit('batchNormBackward', 'dout and dx need the shape of the training forward\'s x', { dout, xc: saved.xc, dx: grads.dx });
    this.backend.batchNormBackward(dout.data, rowsOf(dout), cols, gamma.data, saved.xc.data, saved.xn.data, saved.std.data, grads.dx.data, grads.dgamma.data, grads.dbeta.data);
  }

  /** out = alpha * x. */
  scale(x: Tensor, alpha: number, out: Tensor): void {
    if (out.size !== x.size) throw misfit('scale', 'x and out need one size', { x, out });
    this.backend.axpby(alpha, x.data, 0, out.data, x.size);
  }

  /** y += alpha * x. */
  addScaled(y: Tensor, alpha: number, x: Tensor): void {
    if (y.size !== x.size) throw misfit('addScaled', 'x and y need one size', { y, x });
    this.backend.axpby(alpha, x.data, 1, y.data, x.size);
  }

  /** out = a * b, elementwise. */
  mul(a: Tensor, b: Tensor, out: Tensor): void {
    if (b.size !== a.size || out.size !== a.size) throw misfit('mul', 'a, b and out need one size', { a, b, out });
    this.backend.mul(a.data, b.data, out.data, a.size);
  }

  /** sum(x^2) (weight decay), accumulated in double precision. */
  sumSquares(x: Tensor): number {
    return this.backend.sumSquares(x.data, x.size);
  }

  /** out[r, :] = pixels of image indices[r] * scale: the book's x_batch from uint8 images of out's row length. */
  gatherRows(pixels: Uint8Array, indices: Int32Array, scale: number, out: Tensor): void {
    if (rowsOf(out) !== indices.length) throw misfit('gatherRows', 'one row of out per index', { indices, out });
    this.backend.gatherRows(pixels, colsOf(out), indices, scale, out.data);
  }

  /** col = im2col(x) for x (N, C, H, W): rows ordered (N, out_h, out_w), columns (C, FH, FW). */
  im2col(x: Tensor, window: Window, col: Tensor): void {
    const { args, rows, cols } = this.sweep('im2col', x, window);
    if (col.size !== rows * cols) throw misfit('im2col', `col needs (N*out_h*out_w, C*FH*FW) = (${rows}, ${cols})`, { x, col });
    this.backend.im2col(x.data, col.data, ...args);
  }

  /** dx = col2im(col): every patch added back onto its window of the (N, C, H, W) image, padding cut off. */
  col2im(col: Tensor, window: Window, dx: Tensor): void {
    const { args, rows, cols } = this.sweep('col2im', dx, window);
    if (col.size !== rows * cols) throw misfit('col2im', `col needs (N*out_h*out_w, C*FH*FW) = (${rows}, ${cols})`, { col, dx });
    this.backend.col2im(col.data, dx.data, ...args);
  }

  /** out = the max of each window of x (N, C, H, W), argmax = its place in the window (the first on ties). */
  maxPoolForward(x: Tensor, window: Window, out: Tensor, argmax: Int32Array): void {
    const { args, pooled } = this.sweep('maxPoolForward', x, window);
    if (out.size !== pooled || argmax.length !== pooled) throw misfit('maxPoolForward', `out and argmax need (N, C, out_h, out_w), ${pooled} values`, { x, out, argmax });
    this.backend.maxPoolForward(x.data, out.data, argmax, ...args);
  }

  /** dx = dout scattered to each window's argmax (overlapping windows add up). */
  maxPoolBackward(dout: Tensor, argmax: Int32Array, window: Window, dx: Tensor): void {
    const { args, pooled } = this.sweep('maxPoolBackward', dx, window);
    if (dout.size !== pooled || argmax.length !== pooled) throw misfit('maxPoolBackward', `dout and argmax need the forward's (N, C, out_h, out_w), ${pooled} values`, { dout, argmax, dx });
    this.backend.maxPoolBackward(dout.data, argmax, dx.data, ...args);
  }

  /** Relu then max pooling in one pass: out = max(0, each window's max), argmax its place, -1 where ReLU stops the window's gradient. */
  reluMaxPoolForward(x: Tensor, window: Window, out: Tensor, argmax: Int32Array): void {
    const { args, pooled } = this.sweep('reluMaxPoolForward', x, window);
    if (out.size !== pooled || argmax.length !== pooled) throw misfit('reluMaxPoolForward', `out and argmax need (N, C, out_h, out_w), ${pooled} values`, { x, out, argmax });
    this.backend.reluMaxPoolForward(x.data, out.data, argmax, ...args);
  }

  /** dx = dout at each window's argmax, none where it is -1 (overlapping windows add up). */
  reluMaxPoolBackward(dout: Tensor, argmax: Int32Array, window: Window, dx: Tensor): void {
    const { args, pooled } = this.sweep('reluMaxPoolBackward', dx, window);
    if (dout.size !== pooled || argmax.length !== pooled) throw misfit('reluMaxPoolBackward', `dout and argmax need the forward's (N, C, out_h, out_w), ${pooled} values`, { dout, argmax, dx });
    this.backend.reluMaxPoolBackward(dout.data, argmax, dx.data, ...args);
  }

  /** out (N, FN, out_h, out_w) = x (N, C, H, W) convolved with W (FN, C, FH, FW), plus b: im2col, col W^T + b and the transpose in one kernel. */
  convForward(x: Tensor, W: Tensor, b: Tensor, window: Window, out: Tensor): void {
    const { args, filters, planes } = this.convolution('convForward', x, W, window);
    if (b.size !== filters || out.size !== planes) throw misfit('convForward', `b needs (FN) and out (N, FN, out_h, out_w), ${planes} values`, { x, W, b, out });
    this.backend.convForward(x.data, W.data, b.data, out.data, filters, ...args);
  }

  /** dW = the sum over the windows of dout times the pixels each weight read (the book's dout^T col), db = dout summed per filter. */
  convBackwardFilters(x: Tensor, dout: Tensor, window: Window, dW: Tensor, db: Tensor): void {
    const { args, filters, planes } = this.convolution('convBackwardFilters', x, dW, window);
    if (dout.size !== planes || db.size !== filters) throw misfit('convBackwardFilters', `dout needs the forward's (N, FN, out_h, out_w), ${planes} values, and db (FN)`, { x, dout, dW, db });
    this.backend.convBackwardFilters(x.data, dout.data, dW.data, db.data, filters, ...args);
  }

  /** dx = every window's W dout added back where the window read x (the book's col2im(dout W)). */
  convBackwardInput(dout: Tensor, W: Tensor, window: Window, dx: Tensor): void {
    const { args, filters, planes } = this.convolution('convBackwardInput', dx, W, window);
    if (dout.size !== planes) throw misfit('convBackwardInput', `dout needs the forward's (N, FN, out_h, out_w), ${planes} values`, { dout, W, dx });
    this.backend.convBackwardInput(dout.data, W.data, dx.data, filters, ...args);
  }

  /** Convolution, ReLU and 2x2 stride-2 max pooling in one pass: out and argmax (N, FN, out_h / 2, out_w / 2) as reluMaxPoolForward of convForward's output. */
  convReluPoolForward(x: Tensor, W: Tensor, b: Tensor, window: Window, out: Tensor, argmax: Int32Array): void {
    const { args, filters, planes } = this.convolution('convReluPoolForward', x, W, window);
    const pooled = pooledSize(args, filters);
    if (b.size !== filters || out.size !== pooled || argmax.length !== pooled) throw misfit('convReluPoolForward', `b needs (FN), out and argmax (N, FN, out_h / 2, out_w / 2), ${pooled} of the ${planes} values`, { x, W, b, out, argmax });
    this.backend.convReluPoolForward(x.data, W.data, b.data, out.data, argmax, filters, ...args);
  }

  /** Its dW and db: convBackwardFilters of the pooled gradient dout placed at each window's argmax. */
  convReluPoolBackwardFilters(x: Tensor, dout: Tensor, argmax: Int32Array, window: Window, dW: Tensor, db: Tensor): void {
    const { args, filters } = this.convolution('convReluPoolBackwardFilters', x, dW, window);
    const pooled = pooledSize(args, filters);
    if (dout.size !== pooled || argmax.length !== pooled || db.size !== filters) throw misfit('convReluPoolBackwardFilters', `dout and argmax need the forward's (N, FN, out_h / 2, out_w / 2), ${pooled} values, and db (FN)`, { x, dout, dW, db });
    this.backend.convReluPoolBackwardFilters(x.data, dout.data, argmax, dW.data, db.data, filters, ...args);
  }

  /** images (N, C, H, W) from rows (N*H*W, C): the book's reshape(N, H, W, C).transpose(0, 3, 1, 2). */
  channelsFirst(rows: Tensor, images: Tensor): void {
    const [n, c, h, w] = images.shape;
    if (images.shape.length !== 4 || rows.shape.length !== 2 || rows.shape[0] !== n * h * w || rows.shape[1] !== c) throw misfit('channelsFirst', 'rows (N*H*W, C) become images (N, C, H, W)', { rows, images });
    this.backend.transposeBatch(rows.data, images.data, n, h * w, c);
  }

  /** rows (N*H*W, C) from images (N, C, H, W): the book's transpose(0, 2, 3, 1).reshape(-1, C). */
  channelsLast(images: Tensor, rows: Tensor): void {
    const [n, c, h, w] = images.shape;
    if (images.shape.length !== 4 || rows.shape.length !== 2 || rows.shape[0] !== n * h * w || rows.shape[1] !== c) throw misfit('channelsLast', 'images (N, C, H, W) become rows (N*H*W, C)', { images, rows });
    this.backend.transposeBatch(images.data, rows.data, n, c, h * w);
  }

  /** Momentum: v <- momentum * v - lr * dW; W <- W + v. */
  momentumStep(W: Tensor, dW: Tensor, v: Tensor, rates: { lr: number; momentum: number }): void {
    checkStep('momentumStep', W, dW, v);
    this.backend.optimizerStep('momentum', W.data, dW.data, v.data, v.data, W.size, rates.lr, rates.momentum, 0, 1e-7);
  }

  /** Nesterov (the book's form): W <- W + momentum^2 v - (1 + momentum) lr dW; v <- momentum v - lr dW. */
  nesterovStep(W: Tensor, dW: Tensor, v: Tensor, rates: { lr: number; momentum: number }): void {
    checkStep('nesterovStep', W, dW, v);
    this.backend.optimizerStep('nesterov', W.data, dW.data, v.data, v.data, W.size, rates.lr, rates.momentum, 0, 1e-7);
  }

  /** AdaGrad: h <- h + dW^2; W <- W - lr dW / (sqrt(h) + eps). */
  adagradStep(W: Tensor, dW: Tensor, h: Tensor, rates: StepRates): void {
    checkStep('adagradStep', W, dW, h);
    this.backend.optimizerStep('adagrad', W.data, dW.data, h.data, h.data, W.size, rates.lr, 0, 0, rates.eps);
  }

  /** RMSprop: h <- decay h + (1 - decay) dW^2; W <- W - lr dW / (sqrt(h) + eps). */
  rmspropStep(W: Tensor, dW: Tensor, h: Tensor, rates: StepRates & { decayRate: number }): void {
    checkStep('rmspropStep', W, dW, h);
    this.backend.optimizerStep('rmsprop', W.data, dW.data, h.data, h.data, W.size, rates.lr, rates.decayRate, 0, rates.eps);
  }

  /** Adam, lr being the bias-corrected lr_t: m <- m + (1 - beta1)(dW - m); v <- v + (1 - beta2)(dW^2 - v); W <- W - lr m / (sqrt(v) + eps). */
  adamStep(W: Tensor, dW: Tensor, { m, v }: { m: Tensor; v: Tensor }, rates: StepRates & { beta1: number; beta2: number }): void {
    checkStep('adamStep', W, dW, m);
    checkStep('adamStep', W, dW, v);
    this.backend.optimizerStep('adam', W.data, dW.data, m.data, v.data, W.size, rates.lr, rates.beta1, rates.beta2, rates.eps);
  }

  /** The class of each one-hot row of t, for the scores x. */
  private labelsOf(t: Tensor, x: Tensor): Int32Array {
    if (t.size !== x.size) throw misfit('softmaxCrossEntropy', 'one-hot t needs the shape of x', { x, t });
    const labels = new Int32Array(rowsOf(x));
    this.backend.argmaxRows(t.data, labels.length, colsOf(x), labels);
    return labels;
  }

  /** The kernel arguments of a window over the (N, C, H, W) images, and the sizes they imply. */
  private sweep(op: string, images: Tensor, window: Window): { args: WindowArgs; rows: number; cols: number; pooled: number } {
    if (images.shape.length !== 4) throw misfit(op, 'images need (N, C, H, W)', { images });
    const [n, c, h, w] = images.shape;
    const [outH, outW] = windowOutput(op, images.shape, window);
    const args: WindowArgs = [n, c, h, w, window.height, window.width, window.stride, window.pad];
    return { args, rows: n * outH * outW, cols: c * window.height * window.width, pooled: n * c * outH * outW };
  }

  /** A convolution's window over images (N, C, H, W) with filters W (FN, C, FH, FW): its arguments, FN and the output size. */
  private convolution(op: string, images: Tensor, W: Tensor, window: Window): { args: WindowArgs; filters: number; planes: number } {
    const { args, rows } = this.sweep(op, images, window);
    const [fn, c, fh, fw] = W.shape;
    if (W.shape.length !== 4 || c !== images.shape[1] || fh !== window.height || fw !== window.width) throw misfit(op, `W needs (FN, ${images.shape[1]}, ${window.height}, ${window.width})`, { images, W });
    return { args, filters: fn, planes: rows * fn };
  }

  private checkBatchNorm(op: string, x: Tensor, out: Tensor, state: BatchNormState): number {
    const cols = state.gamma.size;
    if (colsOf(x) !== cols || out.size !== x.size) throw misfit(op, 'x and out need (N, features), gamma (features)', { x, out, gamma: state.gamma });
    return cols;
  }
}

/** Values of the 2x2 stride-2 pooling of a convolution's output: N * FN * floor(out_h / 2) * floor(out_w / 2). */
function pooledSize([n, , h, w, fh, fw, stride, pad]: WindowArgs, filters: number): number {
  const [outH, outW] = [Math.floor((h + 2 * pad - fh) / stride) + 1, Math.floor((w + 2 * pad - fw) / stride) + 1];
  return n * filters * Math.floor(outH / 2) * Math.floor(outW / 2);
}

function checkStep(op: string, W: Tensor, dW: Tensor, state: Tensor): void {
  if (dW.size !== W.size || state.size !== W.size) throw misfit(op, 'the parameter, its gradient and its state need one size', { W, dW, state });
}
