/**
 * The numeric backend: every floating-point loop of the engine goes through this interface, so that the
 * readable TypeScript reference implementation and the native C++ addon are interchangeable.
 *
 * Conventions shared by every implementation:
 * - Matrices are dense row-major views over a Float32Array or Float64Array; all arrays passed to one call
 *   share a dtype. Sizes are given explicitly so that callers can pass views of larger buffers.
 * - Outputs are written into caller-provided arrays (no allocation in the hot loop). An output may alias an
 *   input only where the method says so.
 * - Implementations throw TypeError/RangeError for arrays shorter than the sizes imply.
 */
export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;
export type BackendName = 'ts' | 'native' | 'wasm';

/** The stateful rules of chapter 6 (SGD is axpby). */
export type OptimizerRule = 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam';

export interface Backend {
  readonly name: BackendName;

  /**
   * C = alpha * op(A) * op(B) + beta * C, with op(X) = X or X^T.
   * op(A) is m x k, op(B) is k x n, C is m x n. A is stored m x k (k x m when transA), B is k x n
   * (n x k when transB). beta = 0 means C's previous contents are ignored (even NaN).
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: FloatArray,
    b: FloatArray,
    beta: number,
    c: FloatArray,
  ): void;

  /** x[r, c] += bias[c] for a rows x cols matrix, in place; with relu, then zero where x <= 0 (NaN stays). */
  addBias(x: FloatArray, rows: number, cols: number, bias: FloatArray, relu: boolean): void;

  /** out[c] = sum over rows of x[r, c] (overwrites out). */
  colSums(x: FloatArray, rows: number, cols: number, out: FloatArray): void;

  /** y = max(x, 0) elementwise over n values; mask[i] = 1 where x[i] > 0, else 0. y may alias x. */
  reluForward(x: FloatArray, y: FloatArray, mask: Uint8Array, n: number): void;
  /** dx = dout where mask, else 0. dx may alias dout. */
  reluBackward(dout: FloatArray, mask: Uint8Array, dx: FloatArray, n: number): void;

  /** y = 1 / (1 + exp(-x)), computed without overflow for large |x|. y may alias x. */
  sigmoidForward(x: FloatArray, y: FloatArray, n: number): void;
  /** dx = dout * (1 - y) * y. dx may alias dout. */
  sigmoidBackward(dout: FloatArray, y: FloatArray, dx: FloatArray, n: number): void;

  /** Row-wise softmax with per-row max subtraction. y may alias x. */
  softmaxRows(x: FloatArray, y: FloatArray, rows: number, cols: number): void;

  /**
   * Fused row-wise softmax + mean cross-entropy against label indices, in one pass:
   * y = softmax(x) per row, returns -(1/rows) * sum_i log(y[i, labels[i]] + delta).
   * y may alias x. Labels outside [0, cols) throw RangeError.
   */
  softmaxCrossEntropy(
    x: FloatArray,
    labels: Int32Array,
    y: FloatArray,
    rows: number,
    cols: number,
    delta: number,
  ): number;

  /** dx = (y - onehot(labels)) / rows. dx may alias y. */
  softmaxCrossEntropyBackward(y: FloatArray, labels: Int32Array, dx: FloatArray, rows: number, cols: number): void;

  /** y = alpha * x + beta * y over n values (SGD: axpby(-lr, grad, 1, w)). */
  axpby(alpha: number, x: FloatArray, beta: number, y: FloatArray, n: number): void;

  /**
   * One step of the book's optimizer rule over n parameters, in place (common/optimizer.py). s1 holds v
   * (momentum, nesterov), h (adagrad, rmsprop) or m (adam); s2 is adam's v and is ignored by the others.
   * p1/p2: momentum, decay rate, or beta1/beta2. For adam, lr is lr_t with the bias correction folded in.
   */
  optimizerStep(rule: OptimizerRule, w: FloatArray, g: FloatArray, s1: FloatArray, s2: FloatArray, n: number, lr: number, p1: number, p2: number, eps: number): void;

  /**
   * BatchNormalization of a rows x cols batch, per column (the book's layer). Training: mean and biased
   * variance over the batch, running stats <- momentum * running + (1 - momentum) * batch, and xc = x - mean,
   * xn = xc / std, std = sqrt(var + eps) kept for backward. Inference uses the running stats (xc, xn, std
   * untouched). out = gamma * xn + beta.
   */
  batchNormForward(
    x: FloatArray,
    rows: number,
    cols: number,
    gamma: FloatArray,
    beta: FloatArray,
    runningMean: FloatArray,
    runningVar: FloatArray,
    train: boolean,
    momentum: number,
    eps: number,
    xc: FloatArray,
    xn: FloatArray,
    std: FloatArray,
    out: FloatArray,
  ): void;

  /** The book's BatchNormalization backward: dx, dgamma = sum(xn * dout), dbeta = sum(dout). */
  batchNormBackward(
    dout: FloatArray,
    rows: number,
    cols: number,
    gamma: FloatArray,
    xc: FloatArray,
    xn: FloatArray,
    std: FloatArray,
    dx: FloatArray,
    dgamma: FloatArray,
    dbeta: FloatArray,
  ): void;

  /** Sum of x[i]^2 over n values (weight decay), accumulated in double precision. */
  sumSquares(x: FloatArray, n: number): number;

  /** out = a * b elementwise over n values. out may alias a or b. */
  mul(a: FloatArray, b: FloatArray, out: FloatArray, n: number): void;

  /** out[i] = index of the largest value in row i (first one on ties). */
  argmaxRows(x: FloatArray, rows: number, cols: number, out: Int32Array): void;

  /**
   * Minibatch gather straight from the uint8 dataset: out[r, :] = src[indices[r], :] * scale, for
   * rows = indices.length rows of rowLength values. Indices out of range throw RangeError.
   */
  gatherRows(src: Uint8Array, rowLength: number, indices: Int32Array, scale: number, out: FloatArray): void;

  /**
   * out (rows x n) = X W for a batch of sparse uint8 images (see sparse-images.ts): X's row r is image
   * indices[r] (entries rowStart[i] .. rowStart[i+1]-1 of columns/values) times scale, W is rowLength x n.
   * Only nonzero pixels are multiplied. Indices, pixel ranges and columns outside the arrays throw RangeError.
   * An encoding never changes once made (sparse-images.ts): a backend may keep its own copy between calls.
   */
  sparseMatmul(...args: SparseProductArgs): void;

  /** A hint: starts loading images indices[*]'s pixels into the caches for a coming sparseMatmul (TS: no-op). */
  prefetchSparseRows(rowStart: Int32Array, columns: Uint16Array, values: Uint8Array, indices: Int32Array): void;

  /** out (rowLength x n) = X^T dout for the same sparse batch X and dout (rows x n): the first layer's dW. */
  sparseMatmulTransposed(...args: SparseProductArgs): void;

  /**
   * The book's im2col (common/util.py): col (N*out_h*out_w, C*FH*FW) from x (N, C, H, W) padded with zeros,
   * rows ordered (N, out_h, out_w) and columns (C, FH, FW); out_h = (H + 2 pad - FH) / stride + 1 (floored,
   * as the book's //), likewise out_w. col must not overlap x.
   */
  im2col(x: FloatArray, col: FloatArray, ...window: WindowArgs): void;

  /** Its adjoint col2im: dx (N, C, H, W) = the sum of every patch of col over its window, padding cut off (overwrites dx). */
  col2im(col: FloatArray, dx: FloatArray, ...window: WindowArgs): void;

  /**
   * The book's max Pooling forward: out (N, C, out_h, out_w) = the max of each FH x FW window of x (padding
   * counts as 0, as in the book's im2col), argmax (same layout) = its index ky * FW + kx in the window, the
   * first maximum on ties (np.argmax). out must not overlap x.
   */
  maxPoolForward(x: FloatArray, out: FloatArray, argmax: Int32Array, ...window: WindowArgs): void;

  /** Its backward: dx (N, C, H, W) = dout scattered to each window's argmax, overlapping windows adding up (overwrites dx). */
  maxPoolBackward(dout: FloatArray, argmax: Int32Array, dx: FloatArray, ...window: WindowArgs): void;

  /**
   * The book's Relu followed by its max Pooling in one pass (the networks' fast path for that pair): max(0, .)
   * is monotone, so out = max(0, each window's maximum), padding counting as 0; argmax = the index of the
   * window's first maximum when that is positive, else -1 (ReLU stopped the window's gradient). out must not
   * overlap x.
   */
  reluMaxPoolForward(x: FloatArray, out: FloatArray, argmax: Int32Array, ...window: WindowArgs): void;

  /** Its backward: dx = dout at each window's argmax, 0 elsewhere and for windows marked -1, overlapping windows adding up (overwrites dx). */
  reluMaxPoolBackward(dout: FloatArray, argmax: Int32Array, dx: FloatArray, ...window: WindowArgs): void;

  /**
   * The book's Convolution forward in one kernel: out (N, FN, out_h, out_w) = the convolution of x (N, C, H, W)
   * with the `filters` filters w (FN, C, FH, FW), plus bias (FN) — the sums of im2col, col W^T + b and the
   * transpose to channels first, without the col matrix: out[n, f, i, j] = bias[f] + sum over c, ky, kx of
   * w[f, c, ky, kx] x[n, c, i*stride + ky - pad, j*stride + kx - pad], 0 in the padding. out must not overlap
   * x, w or bias.
   */
  convForward(x: FloatArray, w: FloatArray, bias: FloatArray, out: FloatArray, filters: number, ...window: WindowArgs): void;

  /** Its parameter gradients for dout (N, FN, out_h, out_w): dw (FN, C, FH, FW) = the sum over the batch and the windows of dout times the pixel each weight read, db (FN) = dout summed per filter (overwrites both; neither may overlap the others). */
  convBackwardFilters(x: FloatArray, dout: FloatArray, dw: FloatArray, db: FloatArray, filters: number, ...window: WindowArgs): void;

  /** Its input gradient: dx (N, C, H, W) = every window's w[f] dout[n, f, i, j] added where the window read x, padding cut off (overwrites dx; it must not overlap dout or w). */
  convBackwardInput(dout: FloatArray, w: FloatArray, dx: FloatArray, filters: number, ...window: WindowArgs): void;

  /**
   * The fast path of a Convolution, a Relu and a 2x2 stride-2 max Pooling (SimpleConvNet's first three layers):
   * out and argmax (N, FN, floor(out_h / 2), floor(out_w / 2)) are reluMaxPoolForward's over the 2x2 window of
   * convForward's output, without writing that output. The window is the convolution's, whose output must be
   * at least 2x2. out must not overlap x, w or bias.
   */
  convReluPoolForward(x: FloatArray, w: FloatArray, bias: FloatArray, out: FloatArray, argmax: Int32Array, filters: number, ...window: WindowArgs): void;

  /** Its parameter gradients: convBackwardFilters with dout = reluMaxPoolBackward(dout, argmax), the pooled gradient, without writing that gradient (overwrites dw and db). */
  convReluPoolBackwardFilters(x: FloatArray, dout: FloatArray, argmax: Int32Array, dw: FloatArray, db: FloatArray, filters: number, ...window: WindowArgs): void;

  /** out[b, j, i] = x[b, i, j] for batch matrices of rows x cols (the book's transpose(0, 3, 1, 2) and back). out must not overlap x. */
  transposeBatch(x: FloatArray, out: FloatArray, batch: number, rows: number, cols: number): void;

  /** Kernels that run on a thread of their own while the caller goes on; absent on the TypeScript backend. */
  readonly background?: BackgroundKernels;
}

/**
 * The arguments of the sparse products: a batch of images stored as nonzero pixels (rowStart, columns,
 * values over images of rowLength pixels), its image indices and pixel scale, the dense operand (W for x W,
 * dout for x^T dout) with n columns, and out.
 */
export type SparseProductArgs = [
  rowStart: Int32Array,
  columns: Uint16Array,
  values: Uint8Array,
  rowLength: number,
  indices: Int32Array,
  scale: number,
  dense: FloatArray,
  n: number,
  out: FloatArray,
];

/**
 * The geometry of a window sliding over an (N, C, H, W) batch, for convolution and pooling: the batch's sizes,
 * the window's (filter) height and width, the stride and the zero padding on every side.
 */
export type WindowArgs = [
  n: number,
  channels: number,
  height: number,
  width: number,
  filterHeight: number,
  filterWidth: number,
  stride: number,
  pad: number,
];

/**
 * Work queued on one background thread, run in order. A job reads and writes its arrays while it runs: the
 * caller must leave them untouched until done(ticket) is true (or wait(ticket) returned).
 */
export interface BackgroundKernels {
  /** Queues sparseMatmul with the same arguments and checks; returns the job's ticket. */
  sparseMatmul(...args: SparseProductArgs): number;
  /** Queues out = gatherRows(src, rowLength, indices, scale) x W (rowLength x n): a dense batch's first layer. */
  gatherMatmul(src: Uint8Array, rowLength: number, indices: Int32Array, scale: number, w: FloatArray, n: number, out: FloatArray): number;
  /** Whether the job with this ticket has finished (never blocks). */
  done(ticket: number): boolean;
  /** Blocks until the job with this ticket has finished. */
  wait(ticket: number): void;
}

