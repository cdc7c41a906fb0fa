import { int64, type OnnxAttribute } from './onnx-schema';
import { formatDims, quote, type Refuse } from './model-error';

/** A value the graph computes: its dimensions at the batch size checked, and its element type. */
export interface TensorValue {
  readonly dims: readonly number[];
  readonly type: 'float32' | 'bool' | 'int64';
}

/** One node as its operator sees it: the values it reads ('' entries are omitted optional inputs). */
export interface OperatorCall {
  readonly label: string;
  readonly opset: number;
  readonly inputs: ReadonlyArray<TensorValue | undefined>;
  readonly inputNames: readonly string[];
  readonly outputCount: number;
  readonly attributes: ReadonlyMap<string, OnnxAttribute>;
  readonly isInitializer: (name: string) => boolean;
  /** The values of an int64 initializer (a Reshape's target shape); undefined for anything else. */
  readonly constant: (name: string) => readonly number[] | undefined;
  readonly refuse: Refuse;
}

export interface OperatorResult {
  readonly outputs: readonly TensorValue[];
  readonly multiplyAdds: number;
}

export interface Operator {
  /** Inputs [required, at most] and outputs [required, at most]. */
  readonly inputs: readonly [number, number];
  readonly outputs: readonly [number, number];
  /** The attributes it takes, by name, with their ONNX attribute type; any other is refused. */
  readonly attributes: Readonly<Record<string, number>>;
  infer(call: OperatorCall): OperatorResult;
}

export const elements = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

export function input(call: OperatorCall, index: number): TensorValue {
  const value = call.inputs[index];
  if (!value) return call.refuse(`${call.label} needs input ${index + 1}`);
  if (value.type !== 'float32') call.refuse(`${call.label} takes float32, but input ${quote(call.inputNames[index]!)} is ${value.type}`);
  return value;
}

export function intAttribute(call: OperatorCall, name: string, fallback: number): number {
  const attribute = call.attributes.get(name);
  return attribute ? int64(attribute.i) : fallback;
}

/** Window sizes, strides, pads and dilations above this are refused: no image this app reads is that large. */
const MAX_WINDOW_VALUE = 1 << 16;

/** An INTS attribute of exactly `count` whole numbers from `min` to MAX_WINDOW_VALUE, or `fallback` when absent. */
export function intsAttribute(call: OperatorCall, name: string, count: number, min: number, fallback: readonly number[] | undefined): number[] {
  const attribute = call.attributes.get(name);
  if (!attribute) return fallback ? [...fallback] : call.refuse(`${call.label} has no ${name}`);
  const values = (attribute.ints ?? []).map((v) => int64(v));
  if (values.length !== count) call.refuse(`${call.label} has ${values.length} ${name}; a 2-D window takes ${count}`);
  if (!values.every((v) => Number.isSafeInteger(v) && v >= min && v <= MAX_WINDOW_VALUE)) {
    call.refuse(`${call.label} has ${name} ${formatDims(values)}; each must be a whole number from ${min} to ${MAX_WINDOW_VALUE}`);
  }
  return values;
}

/** A STRING attribute's text (auto_pad), or `fallback` when absent. */
export function textAttribute(call: OperatorCall, name: string, fallback: string): string {
  const attribute = call.attributes.get(name);
  return attribute ? new TextDecoder().decode(attribute.s ?? new Uint8Array()) : fallback;
}

export function floatAttribute(call: OperatorCall, name: string, fallback: number): number {
  const attribute = call.attributes.get(name);
  const value = attribute ? (attribute.f ?? 0) : fallback;
  if (!Number.isFinite(value)) call.refuse(`${call.label} has ${name} = ${value}`);
  return value;
}

export function axis(call: OperatorCall, value: number, rank: number, inclusive: boolean): number {
  const top = inclusive ? rank : rank - 1;
  if (value < -rank || value > top) call.refuse(`${call.label} has axis ${value} for a tensor of rank ${rank}`);
  return value < 0 ? value + rank : value;
}

/** numpy's multidirectional broadcasting (Add, Mul, MatMul's batch dimensions). */
export function broadcast(a: readonly number[], b: readonly number[], call: OperatorCall): number[] {
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

