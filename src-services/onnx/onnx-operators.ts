import { ATTRIBUTE_FLOAT, ATTRIBUTE_INT, ATTRIBUTE_INTS, ATTRIBUTE_STRING } from './onnx-schema';
import { formatDims, quote } from './model-error';
import { axis, broadcast, elements, floatAttribute, input, intAttribute, type Operator, type OperatorCall, type OperatorResult, type TensorValue } from './operator-call';
import { conv, maxPool, reshape } from './window-operators';

const same = (call: OperatorCall, cost: number): OperatorResult => {
  const x = input(call, 0);
  return { outputs: [x], multiplyAdds: cost * elements(x.dims) };
};

const elementwise = (call: OperatorCall): OperatorResult => {
  const dims = broadcast(input(call, 0).dims, input(call, 1).dims, call);
  return { outputs: [{ dims, type: 'float32' }], multiplyAdds: elements(dims) };
};

function gemm(call: OperatorCall): OperatorResult {
  const a = input(call, 0).dims;
  const b = input(call, 1).dims;
  if (a.length !== 2 || b.length !== 2) call.refuse(`${call.label} multiplies ${formatDims(a)} by ${formatDims(b)}; Gemm takes two matrices`);
  const transA = intAttribute(call, 'transA', 0);
  const transB = intAttribute(call, 'transB', 0);
  if ((transA !== 0 && transA !== 1) || (transB !== 0 && transB !== 1)) call.refuse(`${call.label} has transA ${transA} and transB ${transB}; each is 0 or 1`);
  floatAttribute(call, 'alpha', 1);
  floatAttribute(call, 'beta', 1);
  const [m, k] = transA ? [a[1]!, a[0]!] : [a[0]!, a[1]!];
  const [k2, n] = transB ? [b[1]!, b[0]!] : [b[0]!, b[1]!];
  if (k !== k2) call.refuse(`${call.label} multiplies ${formatDims(a)} by ${formatDims(b)}: the inner sizes ${k} and ${k2} differ`);
  const c = call.inputs[2] ? input(call, 2).dims : undefined;
  if (c && (c.length > 2 || broadcast(c, [m, n], call).some((d, i) => d !== [m, n][i]))) call.refuse(`${call.label} adds ${formatDims(c)} to a [${m}, ${n}] product`);
  return { outputs: [{ dims: [m, n], type: 'float32' }], multiplyAdds: m * k * n };
}

function matMul(call: OperatorCall): OperatorResult {
  const a = input(call, 0).dims;
  const b = input(call, 1).dims;
  if (a.length === 0 || b.length === 0) call.refuse(`${call.label} multiplies a scalar; MatMul takes tensors of rank 1 or more`);
  // numpy: a vector on the left is a row, on the right a column, and that dimension is dropped again.
  const left = a.length === 1 ? [1, a[0]!] : a;
  const right = b.length === 1 ? [b[0]!, 1] : b;
  const k = left.at(-1)!;
  if (k !== right.at(-2)) call.refuse(`${call.label} multiplies ${formatDims(a)} by ${formatDims(b)}: the inner sizes ${k} and ${right.at(-2)} differ`);
  const batch = broadcast(left.slice(0, -2), right.slice(0, -2), call);
  const m = left.at(-2)!;
  const n = right.at(-1)!;
  const dims = [...batch, ...(a.length === 1 ? [] : [m]), ...(b.length === 1 ? [] : [n])];
  return { outputs: [{ dims, type: 'float32' }], multiplyAdds: elements(batch) * m * k * n };
}

function softmax(call: OperatorCall): OperatorResult {
  const x = input(call, 0);
  axis(call, intAttribute(call, 'axis', call.opset < 13 ? 1 : -1), x.dims.length, false);
  return { outputs: [x], multiplyAdds: 3 * elements(x.dims) };
}

function flatten(call: OperatorCall): OperatorResult {
  const x = input(call, 0);
  const at = axis(call, intAttribute(call, 'axis', 1), x.dims.length, true);
  return { outputs: [{ dims: [elements(x.dims.slice(0, at)), elements(x.dims.slice(at))], type: 'float32' }], multiplyAdds: 0 };
}

function batchNormalization(call: OperatorCall): OperatorResult {
  const x = input(call, 0);
  if (x.dims.length < 2) call.refuse(`${call.label} normalises ${formatDims(x.dims)}; BatchNormalization takes [N, C, ...]`);
  const channels = x.dims[1]!;
  for (let i = 1; i < 5; i++) {
    const dims = input(call, i).dims;
    if (dims.length !== 1 || dims[0] !== channels) call.refuse(`${call.label} has a statistic of ${formatDims(dims)} for ${channels} channels`);
  }
  floatAttribute(call, 'epsilon', 1e-5);
  floatAttribute(call, 'momentum', 0.9);
  if (intAttribute(call, 'training_mode', 0) !== 0) call.refuse(`${call.label} is in training mode; this app runs models for inference`);
  if (intAttribute(call, 'spatial', 1) !== 1) call.refuse(`${call.label} is not spatial; this app runs spatial BatchNormalization only`);
  if (call.outputCount > 1) call.refuse(`${call.label} has ${call.outputCount} outputs: the running statistics are outputs only in training`);
  return { outputs: [x], multiplyAdds: 2 * elements(x.dims) };
}

function dropout(call: OperatorCall): OperatorResult {
  const x = input(call, 0);
  const ratio = call.inputNames[1];
  if (ratio) {
    if (!call.isInitializer(ratio) || elements(input(call, 1).dims) !== 1) call.refuse(`${call.label} takes its ratio from ${quote(ratio)}, which is not one stored number`);
  }
  if (call.inputNames[2]) call.refuse(`${call.label} has a training_mode input; this app runs models for inference`);
  const ratioAttribute = floatAttribute(call, 'ratio', 0.5);
  if (ratioAttribute < 0 || ratioAttribute >= 1) call.refuse(`${call.label} has ratio ${ratioAttribute}`);
  const mask: TensorValue = { dims: x.dims, type: call.opset >= 10 ? 'bool' : 'float32' };
  return { outputs: call.outputCount > 1 ? [x, mask] : [x], multiplyAdds: elements(x.dims) };
}

const { FLOAT, INT, INTS, STRING } = { FLOAT: ATTRIBUTE_FLOAT, INT: ATTRIBUTE_INT, INTS: ATTRIBUTE_INTS, STRING: ATTRIBUTE_STRING };

/** The operators of the MLPs and conv nets this app exports or runs, with what each computes from its inputs' shapes. */
export const OPERATORS: Readonly<Record<string, Operator>> = {
  Gemm: { inputs: [2, 3], outputs: [1, 1], attributes: { alpha: FLOAT, beta: FLOAT, transA: INT, transB: INT }, infer: gemm },
  MatMul: { inputs: [2, 2], outputs: [1, 1], attributes: {}, infer: matMul },
  Add: { inputs: [2, 2], outputs: [1, 1], attributes: {}, infer: elementwise },
  Mul: { inputs: [2, 2], outputs: [1, 1], attributes: {}, infer: elementwise },
  Relu: { inputs: [1, 1], outputs: [1, 1], attributes: {}, infer: (call) => same(call, 1) },
  Sigmoid: { inputs: [1, 1], outputs: [1, 1], attributes: {}, infer: (call) => same(call, 1) },
  Softmax: { inputs: [1, 1], outputs: [1, 1], attributes: { axis: INT }, infer: softmax },
  BatchNormalization: { inputs: [5, 5], outputs: [1, 5], attributes: { epsilon: FLOAT, momentum: FLOAT, training_mode: INT, spatial: INT }, infer: batchNormalization },
  Dropout: { inputs: [1, 3], outputs: [1, 2], attributes: { ratio: FLOAT, seed: INT }, infer: dropout },
  Identity: { inputs: [1, 1], outputs: [1, 1], attributes: {}, infer: (call) => same(call, 0) },
  Flatten: { inputs: [1, 1], outputs: [1, 1], attributes: { axis: INT }, infer: flatten },
  Reshape: { inputs: [2, 2], outputs: [1, 1], attributes: { allowzero: INT }, infer: reshape },
  Conv: { inputs: [2, 3], outputs: [1, 1], attributes: { auto_pad: STRING, dilations: INTS, group: INT, kernel_shape: INTS, pads: INTS, strides: INTS }, infer: conv },
  MaxPool: { inputs: [1, 1], outputs: [1, 1], attributes: { auto_pad: STRING, ceil_mode: INT, dilations: INTS, kernel_shape: INTS, pads: INTS, storage_order: INT, strides: INTS }, infer: maxPool },
};
