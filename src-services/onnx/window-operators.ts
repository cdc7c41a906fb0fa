import { formatDims, quote } from './model-error';
import { elements, input, intAttribute, intsAttribute, textAttribute, type OperatorCall, type OperatorResult } from './operator-call';

/**
 * The operators of convolutional networks: 2-D Conv and MaxPool over [N, C, H, W] (no dilation, no groups,
 * explicit pads, floor rounding: what the engine's Convolution and Pooling compute), and Reshape to a
 * stored target shape.
 */

/** What Conv and MaxPool share: NOTSET auto_pad, dilations 1, and a window that fits the padded image. */
function window(call: OperatorCall, x: readonly number[], kernel: readonly number[], padBelowKernel: boolean): { outH: number; outW: number } {
  const autoPad = textAttribute(call, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET') call.refuse(`${call.label} has auto_pad ${quote(autoPad)}; this app runs only explicit pads (auto_pad NOTSET)`);
  const dilations = intsAttribute(call, 'dilations', 2, 1, [1, 1]);
  if (dilations.some((d) => d !== 1)) call.refuse(`${call.label} has dilations ${formatDims(dilations)}; this app runs only dilations 1`);
  const strides = intsAttribute(call, 'strides', 2, 1, [1, 1]);
  const pads = intsAttribute(call, 'pads', 4, 0, [0, 0, 0, 0]);
  // A pooling window may not lie wholly in the padding (onnxruntime refuses it with an internal error).
  if (padBelowKernel && pads.some((p, i) => p >= kernel[i % 2]!)) call.refuse(`${call.label} has pads ${formatDims(pads)} for a ${kernel.join('x')} window; each pad must be smaller than the window`);
  // out = floor((size + pad_begin + pad_end - kernel) / stride) + 1, as the book's // and ceil_mode 0.
  const [outH, outW] = [0, 1].map((i) => {
    const room = x[2 + i]! + pads[i]! + pads[2 + i]! - kernel[i]!;
    if (room < 0) call.refuse(`${call.label} has a ${kernel.join('x')} window that does not fit ${formatDims(x)} padded by ${formatDims(pads)}`);
    return Math.floor(room / strides[i]!) + 1;
  });
  return { outH: outH!, outW: outW! };
}

function images(call: OperatorCall, what: string): readonly number[] {
  const x = input(call, 0).dims;
  if (x.length !== 4) call.refuse(`${call.label} reads ${formatDims(x)}; this app runs 2-D ${what} over [N, C, H, W] images`);
  return x;
}

/** Y[n, m] = sum over c, window of X[n, c] * W[m, c] + B[m] */
export function conv(call: OperatorCall): OperatorResult {
  const x = images(call, 'convolutions');
  const w = input(call, 1).dims;
  if (w.length !== 4) call.refuse(`${call.label} has filters ${formatDims(w)}; a 2-D Conv takes [M, C, kH, kW]`);
  const group = intAttribute(call, 'group', 1);
  if (group !== 1) call.refuse(`${call.label} has group ${group}; this app runs only group 1 (no grouped or depthwise convolutions)`);
  const [m, c, kH, kW] = w as [number, number, number, number];
  if (c !== x[1]) call.refuse(`${call.label} has filters ${formatDims(w)} for ${c} channels, but its input ${formatDims(x)} has ${x[1]}`);
  const kernel = intsAttribute(call, 'kernel_shape', 2, 1, [kH, kW]);
  if (kernel[0] !== kH || kernel[1] !== kW) call.refuse(`${call.label} has kernel_shape ${formatDims(kernel)} but filters ${formatDims(w)}`);
  if (call.inputs[2]) {
    const b = input(call, 2).dims;
    if (b.length !== 1 || b[0] !== m) call.refuse(`${call.label} has a bias of ${formatDims(b)} for ${m} filters`);
  }
  const { outH, outW } = window(call, x, kernel, false);
  const dims = [x[0]!, m, outH, outW];
  return { outputs: [{ dims, type: 'float32' }], multiplyAdds: elements(dims) * c * kH * kW };
}

/** Y[n, c, i, j] = max of X[n, c] over window (i, j) */
export function maxPool(call: OperatorCall): OperatorResult {
  const x = images(call, 'pooling');
  const kernel = intsAttribute(call, 'kernel_shape', 2, 1, undefined);
  const ceilMode = intAttribute(call, 'ceil_mode', 0);
  if (ceilMode !== 0) call.refuse(`${call.label} has ceil_mode ${ceilMode}; this app runs only ceil_mode 0 (floor, as the book's pooling)`);
  const storageOrder = intAttribute(call, 'storage_order', 0);
  if (storageOrder !== 0 && storageOrder !== 1) call.refuse(`${call.label} has storage_order ${storageOrder}; it is 0 or 1`);
  const { outH, outW } = window(call, x, kernel, true);
  const dims = [x[0]!, x[1]!, outH, outW];
  return { outputs: [{ dims, type: 'float32' }], multiplyAdds: elements(dims) * kernel[0]! * kernel[1]! };
}

/** Y = X with the dimensions of the stored int64 target: -1 is inferred (once), 0 copies X's dimension. */
export function reshape(call: OperatorCall): OperatorResult {
  const x = input(call, 0).dims;
  const name = call.inputNames[1]!;
  const target = call.constant(name);
  if (!target) call.refuse(`${call.label} takes its shape from ${quote(name)}, which is not a stored int64 vector; this app runs Reshape to a fixed shape only`);
  if (intAttribute(call, 'allowzero', 0) !== 0) call.refuse(`${call.label} has allowzero set; a dimension of 0 is an empty tensor, not a layer`);
  const dims = target.map((d, i) => {
    if (d === 0) {
      if (i >= x.length) call.refuse(`${call.label} copies dimension ${i} of ${formatDims(x)}, which has none`);
      return x[i]!;
    }
    if (d < -1) call.refuse(`${call.label} reshapes to ${formatDims(target)}; a dimension is -1, 0 or positive`);
    return d;
  });
  const inferred = dims.filter((d) => d === -1).length;
  if (inferred > 1) call.refuse(`${call.label} reshapes to ${formatDims(target)}, with more than one -1`);
  const known = elements(dims.filter((d) => d !== -1));
  const total = elements(x);
  if (inferred === 1) {
    if (total % known !== 0) call.refuse(`${call.label} cannot reshape ${formatDims(x)} to ${formatDims(target)}: ${total} values do not divide by ${known}`);
    dims[dims.indexOf(-1)] = total / known;
  } else if (known !== total) {
    call.refuse(`${call.label} cannot reshape ${formatDims(x)} (${total} values) to ${formatDims(target)} (${known})`);
  }
  return { outputs: [{ dims, type: 'float32' }], multiplyAdds: 0 };
}
