import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { inspectOnnxModel } from './inspect-model';
import { ATTRIBUTE_FLOAT, ATTRIBUTE_INT, DATA_LOCATION_EXTERNAL, encodeModel, type OnnxGraph, type OnnxNode, type OnnxValueInfo } from './onnx-schema';
import { floats, gemmGraph, model, modelUnchecked, tensorInfo } from './test-support/hostile-models';

const int = (name: string, i: number) => ({ name, type: ATTRIBUTE_INT, i });
const float = (name: string, f: number) => ({ name, type: ATTRIBUTE_FLOAT, f });

/** A graph on input [N, 6] whose declared outputs (N written as 1000 past the first output) are checked. */
function graph(node: OnnxNode[], initializer: OnnxGraph['initializer'], output: OnnxValueInfo[]): OnnxGraph {
  return { name: 'case', node, initializer, input: [tensorInfo('input', ['N', 6])], output };
}

/**
 * Valid graphs: the inspection computes each output's shape for a batch of 1000 and accepts the model only
 * if it equals what the output declares; onnxruntime, run on 1000 rows, must give exactly those shapes.
 */
const valid: Array<[string, OnnxGraph, number?]> = [
  ['Gemm with transB, alpha, beta and a broadcast bias', graph([{ op_type: 'Gemm', input: ['input', 'W', 'C'], output: ['logits'], attribute: [int('transB', 1), float('alpha', 0.5), float('beta', 2)] }], [floats('W', [5, 6]), floats('C', [1, 5])], [tensorInfo('logits', ['N', 5])])],
  [
    'MatMul by a vector, then Flatten',
    graph(
      [
        { op_type: 'MatMul', input: ['input', 'v'], output: ['column'] },
        { op_type: 'Flatten', input: ['column'], output: ['logits'], attribute: [int('axis', 1)] },
      ],
      [floats('v', [6])],
      [tensorInfo('logits', ['N', 1]), tensorInfo('column', [1000])],
    ),
  ],
  [
    'MatMul broadcasting a stack of matrices, and a vector on the left',
    graph(
      [
        { op_type: 'MatMul', input: ['input', 'B'], output: ['stacked'] },
        { op_type: 'MatMul', input: ['u', 'W'], output: ['row'] },
        { op_type: 'Add', input: ['input', 'bias'], output: ['shifted'] },
        { op_type: 'Mul', input: ['shifted', 'scale'], output: ['logits'] },
      ],
      [floats('B', [2, 6, 4]), floats('u', [6]), floats('W', [6, 4]), floats('bias', [6]), floats('scale', [1, 1])],
      [tensorInfo('logits', ['N', 6]), tensorInfo('stacked', [2, 1000, 4]), tensorInfo('row', [4])],
    ),
  ],
  [
    'Flatten at axis 0 and -1, Relu, Sigmoid, Identity',
    graph(
      [
        { op_type: 'Flatten', input: ['input'], output: ['flat'], attribute: [int('axis', 0)] },
        { op_type: 'Flatten', input: ['input'], output: ['same'], attribute: [int('axis', -1)] },
        { op_type: 'Relu', input: ['same'], output: ['r'] },
        { op_type: 'Sigmoid', input: ['r'], output: ['s'] },
        { op_type: 'Identity', input: ['s'], output: ['logits'] },
      ],
      [],
      [tensorInfo('logits', ['N', 6]), tensorInfo('flat', [1, 6000])],
    ),
  ],
  ['Softmax at opset 11 (axis 1 by default)', graph([{ op_type: 'Softmax', input: ['input'], output: ['logits'] }], [], [tensorInfo('logits', ['N', 6])]), 11],
  [
    'BatchNormalization and Dropout with its mask',
    graph(
      [
        { op_type: 'BatchNormalization', input: ['input', 'g', 'b', 'm', 'v'], output: ['normal'], attribute: [float('epsilon', 1e-5)] },
        { op_type: 'Dropout', input: ['normal', 'ratio'], output: ['logits', 'mask'], attribute: [int('seed', 3)] },
      ],
      [floats('g', [6]), floats('b', [6]), floats('m', [6]), floats('v', [6], () => 1), floats('ratio', [], () => 0.25)],
      [tensorInfo('logits', ['N', 6]), { name: 'mask', type: { tensor_type: { elem_type: 9, shape: { dim: [{ dim_value: 1000 }, { dim_value: 6 }] } } } }],
    ),
  ],
];

describe('the inspection computes what onnxruntime computes', () => {
  it.each(valid)('%s', async (_name, g, opset = 17) => {
    const bytes = model(g, opset);
    const info = inspectOnnxModel(bytes, 'case.onnx');
    expect(info.checkedBatch).toBe(1000);
    const session = await ort.InferenceSession.create(bytes);
    const input = new ort.Tensor('float32', new Float32Array(1000 * 6).map((_, i) => (i % 7) / 7), [1000, 6]);
    const outputs = await session.run({ input });
    for (const declared of g.output!) {
      const expected = declared.type!.tensor_type!.shape!.dim!.map((d) => (d.dim_param ? 1000 : Number(d.dim_value)));
      expect([declared.name, ...outputs[declared.name]!.dims]).toEqual([declared.name, ...expected]);
    }
    await session.release();
  });
});

const gemm = gemmGraph(6, 5, 5);
const withNode = (node: Partial<OnnxNode>): OnnxGraph => ({ ...gemm, node: [{ ...gemm.node![0]!, ...node }] });

/** Siblings of the models: each is refused before onnxruntime sees it, with the reason. */
const refused: Array<[string, Uint8Array, string]> = [
  ['inner sizes', model({ ...gemm, initializer: [floats('W', [7, 5]), floats('b', [5])] }), 'node "affine" (Gemm) multiplies [1000, 6] by [7, 5]: the inner sizes 6 and 7 differ'],
  ['broadcast', model({ ...gemm, initializer: [floats('W', [6, 5]), floats('b', [4])] }), 'node "affine" (Gemm) cannot broadcast [4] with [1000, 5]'],
  ['unknown attribute', model(withNode({ attribute: [int('transC', 1)] })), 'node "affine" (Gemm) has an attribute "transC" that Gemm does not take'],
  ['attribute type', model(withNode({ attribute: [float('transA', 1)] })), 'node "affine" (Gemm) has attribute "transA" of type 1; Gemm takes type 2'],
  ['transpose flag', model(withNode({ attribute: [int('transB', 7)] })), 'node "affine" (Gemm) has transA 0 and transB 7; each is 0 or 1'],
  ['old opset', model(gemm, 6), 'it uses ONNX opset 6; onnxruntime runs opset 7 or later'],
  ['double weights', model({ ...gemm, initializer: [{ name: 'W', dims: [6, 5], data_type: 11, double_data: Array(30).fill(0.5) }, floats('b', [5])] }), 'initializer "W" has element type 11; this app reads float32 weights (type 1)'],
  ['short weights', model({ ...gemm, initializer: [{ ...floats('W', [6, 5]), raw_data: new Uint8Array(16) }, floats('b', [5])] }), 'initializer "W" is declared [6, 5] (120 bytes) but the file holds 4 values for it'],
  ['missing value', model(withNode({ input: ['input', 'W', 'nowhere'] })), 'node "affine" (Gemm) reads "nowhere", which no node, input or initializer gives'],
  ['name written twice', model({ ...gemm, node: [...gemm.node!, { op_type: 'Relu', name: 'again', input: ['input'], output: ['logits'] }] }), 'node "again" (Relu) writes "logits", which is already written by another node'],
  ['external attribute tensor', modelUnchecked(withNode({ attribute: [{ name: 'value', type: 4, t: { name: 't', dims: [1], data_type: 1, data_location: DATA_LOCATION_EXTERNAL, external_data: [{ key: 'location', value: '/etc/shadow' }] } }] })), 'the tensor in attribute "value" of node "affine" keeps its values in another file ("/etc/shadow"): external data is refused, a model must hold all its weights itself'],
  ['attribute tensor', modelUnchecked(withNode({ attribute: [{ name: 'value', type: 4, t: floats('t', [2]) }] })), 'attribute "value" of node "affine" holds a tensor: the operators this app runs take only numbers as attributes'],
  ['training mode', model({ ...gemm, node: [...gemm.node!.map((n) => ({ ...n, output: ['h'] })), { op_type: 'BatchNormalization', name: 'bn', input: ['h', 'b', 'b', 'b', 'b'], output: ['logits'], attribute: [int('training_mode', 1)] }] }), 'node "bn" (BatchNormalization) is in training mode; this app runs models for inference'],
  ['foreign domain', model(withNode({ domain: 'com.microsoft' })), 'unsupported operator com.microsoft.Gemm; this app runs networks made of Gemm, MatMul, Add, Mul, Relu, Sigmoid, Softmax, BatchNormalization, Dropout, Identity, Flatten, Reshape, Conv, MaxPool'],
  ['fixed batch', model({ ...gemm, input: [tensorInfo('input', [32, 6])] }), 'input "input" takes exactly 32 images at a time; this app needs a batch dimension that is symbolic (N) or 1'],
  ['rows lost', model({ ...gemm, node: [{ op_type: 'Gemm', name: 'constant', input: ['one', 'W', 'b'], output: ['logits'] }], initializer: [floats('one', [1, 6]), floats('W', [6, 5]), floats('b', [5])], input: [tensorInfo('input', ['N', 6])], output: [tensorInfo('logits', ['N', 5])] }), 'output "logits" does not give one row of scores per image: the graph computes [1, 5] float32 for a batch of 1000 images'],
  [
    'tensors too big together',
    model({
      ...gemm,
      node: [{ ...gemm.node![0]!, output: ['h'] }, { op_type: 'MatMul', name: 'wide', input: ['h', 'spread'], output: ['w0'] }, ...[1, 2, 3, 4, 5].map((i) => ({ op_type: 'Relu', name: `relu${i}`, input: [`w${i - 1}`], output: [`w${i}`] })), { op_type: 'MatMul', name: 'back', input: ['w5', 'narrow'], output: ['logits'] }],
      initializer: [...gemm.initializer!, floats('spread', [5, 50_000]), floats('narrow', [50_000, 5])],
    }),
    'its tensors would take 1.1 GiB together for a batch of 1000 images (at node "relu5" (Relu)), over the 1.0 GiB this app allows',
  ],
];

describe('the inspection refuses', () => {
  it.each(refused)('%s', (_name, bytes, message) => {
    expect(() => inspectOnnxModel(bytes, 'bad.onnx')).toThrow(`bad.onnx: ${message}`);
  });

  it('functions, training info and unknown fields, by name', () => {
    const withField = (id: number, bytes: number[]) => Uint8Array.from([...model(gemm), ...field(id, Uint8Array.from(bytes))]);
    expect(() => inspectOnnxModel(withField(25, [1, 2]), 'f.onnx')).toThrow('f.onnx: it defines model-local functions, which this app does not run');
    expect(() => inspectOnnxModel(withField(20, [1, 2]), 't.onnx')).toThrow('t.onnx: it carries training information, which this app does not run');
    expect(() => inspectOnnxModel(withField(99, [1, 2]), 'u.onnx')).toThrow('u.onnx: not an ONNX model this app loads: the model has field 99, which this app does not read');
  });

  it('keeps a bounded amount of the model\'s own text', () => {
    const metadata_props = Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(20_000) }));
    const info = inspectOnnxModel(encodeModel({ ir_version: 8, opset_import: [{ domain: '', version: 17 }], graph: gemm, metadata_props }), 'meta.onnx');
    expect(Object.keys(info.metadata)).toHaveLength(64);
    expect(info.metadata.k0).toHaveLength(16 * 1024);
  });
});

/** A length-delimited protobuf field, as appended to a model's bytes. */
function field(id: number, bytes: Uint8Array): number[] {
  return [...varint((id << 3) | 2), ...varint(bytes.length), ...bytes];
}

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  out.push(rest);
  return out;
}
