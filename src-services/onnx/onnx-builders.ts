import { ATTRIBUTE_FLOAT, ATTRIBUTE_INT, ATTRIBUTE_INTS, DATA_TYPE_FLOAT, DATA_TYPE_INT64, type OnnxAttribute, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx-schema';

/** What the exporters write: opset 17 needs IR 8. */
export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;
export const PRODUCER_NAME = 'Backprop Workbench';

export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): OnnxTensor {
  // raw_data is little-endian float32; Float32Array is little-endian on every platform Node runs on.
  const data = Float32Array.from(values);
  return { name, dims, data_type: DATA_TYPE_FLOAT, raw_data: new Uint8Array(data.buffer) };
}

/** A small int64 vector (a Reshape's target shape), little-endian like floatTensor. */
export function int64Tensor(name: string, values: readonly number[]): OnnxTensor {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return { name, dims: [values.length], data_type: DATA_TYPE_INT64, raw_data: new Uint8Array(data.buffer) };
}

export function tensorInfo(name: string, dims: Array<number | string>, doc: string): OnnxValueInfo {
  return {
    name,
    doc_string: doc,
    type: { tensor_type: { elem_type: DATA_TYPE_FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}

export const intAttribute = (name: string, i: number): OnnxAttribute => ({ name, type: ATTRIBUTE_INT, i });
export const intsAttribute = (name: string, ints: number[]): OnnxAttribute => ({ name, type: ATTRIBUTE_INTS, ints });
export const floatAttribute = (name: string, f: number): OnnxAttribute => ({ name, type: ATTRIBUTE_FLOAT, f });

/** Y = X W + b with W (inputs, outputs): the engine's Affine, so no transpose. */
export function gemmNode(name: string, input: string, weights: string, bias: string, output: string): OnnxNode {
  return {
    op_type: 'Gemm',
    name,
    input: [input, weights, bias],
    output: [output],
    attribute: [floatAttribute('alpha', 1), floatAttribute('beta', 1), intAttribute('transA', 0), intAttribute('transB', 0)],
  };
}

/** `probabilities` = Softmax(`logits`) over the class axis. */
export const softmaxNode = (): OnnxNode => ({ op_type: 'Softmax', name: 'Softmax', input: ['logits'], output: ['probabilities'], attribute: [intAttribute('axis', -1)] });
