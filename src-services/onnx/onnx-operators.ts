import { ATTRIBUTE_FLOAT, ATTRIBUTE_INT, int64, type OnnxAttribute } from './onnx-schema';
import { formatDims, quote, type Refuse } from './model-error';

/** A value the graph computes: its dimensions at the batch size checked, and its element type. */
export interface TensorValue {
  readonly dims: readonly number[];
  readonly type: 'float32' | 'bool';
}

/** One node as its operator sees it: the values it reads ('' entries are omitted optional inputs). */
interface OperatorCall {
  readonly label: string;
  readonly opset: number;
  readonly inputs: ReadonlyArray<TensorValue | undefined>;
  readonly inputNames: readonly string[];
  readonly outputCount: number;
  readonly attributes: ReadonlyMap<string, OnnxAttribute>;
  readonly isInitializer: (name: string) => boolean;
  readonly refuse: Refuse;
}

interface OperatorResult {
  readonly outputs: readonly TensorValue[];
  readonly multiplyAdds: number;
}

interface Operator {
  /** Inputs [required, at most] and outputs [required, at most]. */
  readonly inputs: readonly [number, number];
  readonly outputs: readonly [number, number];
  /** The attributes it takes, by name, with their ONNX attribute type; any other is refused. */
  readonly attributes: Readonly<Record<string, number>>;
  infer(call: OperatorCall): OperatorResult;
}

export const elements = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

function input(call: OperatorCall, index: number): TensorValue {
  const value = call.inputs[index];
  if (!value) return call.refuse(`${call.label} needs input ${index + 1}`);
  if (value.type !== 'float32') call.refuse(`${call.label} takes float32, but input ${quote(call.inputNames[index]!)} is ${value.type}`);
  return value;
}

function intAttribute(call: OperatorCall, name: string, fallback: number): number {
  const attribute = call.attributes.get(name);
  return attribute ? int64(attribute.i) : fallback;
}

function floatAttribute(call: OperatorCall, name: string, fallback: number): number {
  const attribute = call.attributes.get(name);
  const value = attribute ? (attribute.f ?? 0) : fallback;
  if (!Number.isFinite(value)) call.refuse(`${call.label} has ${name} = ${value}`);
  return value;
}

function axis(call: OperatorCall, value: number, rank: number, inclusive: boolean): number {
  const top = inclusive ? rank : rank - 1;
  if (value < -rank || value > top) call.refuse(`${call.label} has axis ${value} for a tensor of rank ${rank}`);
  return value < 0 ? value + rank : value;
}

/** numpy's multidirectional broadcasting (Add, Mul, MatMul's batch dimensions). */
function broadcast(a: readonly number[], b: readonly number[], call: OperatorCall): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) call.refuse(`${call.label} cannot broadcast ${formatDims(a)} with ${formatDims(b)}`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

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

const { FLOAT, INT } = { FLOAT: ATTRIBUTE_FLOAT, INT: ATTRIBUTE_INT };

/** The operators of the MLPs this app exports or runs, with what each computes from its inputs' shapes. */
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
};
