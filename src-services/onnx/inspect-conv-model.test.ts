import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { inspectOnnxModel } from './inspect-model';
import { int64Tensor, intAttribute, intsAttribute } from './onnx-builders';
import { ATTRIBUTE_STRING, type OnnxAttribute, type OnnxGraph, type OnnxNode } from './onnx-schema';
import { floats, model, tensorInfo } from './test-support/hostile-models';

const text = (name: string, value: string): OnnxAttribute => ({ name, type: ATTRIBUTE_STRING, s: new TextEncoder().encode(value) });

/**
 * input [N, 1, 28, 28] -> Conv "c" (4 filters 3x3, bias) -> MaxPool "p" 2x2 stride 2 -> Reshape "r" to [0, -1]
 * -> Gemm "g" -> logits [N, 10]; each node's attributes and the initializers can be replaced.
 */
function convGraph(options: { conv?: OnnxAttribute[]; pool?: OnnxAttribute[]; features?: number; node?: (nodes: OnnxNode[]) => OnnxNode[]; initializer?: OnnxGraph['initializer']; input?: Array<number | string>; output?: OnnxGraph['output'] } = {}): OnnxGraph {
  const nodes: OnnxNode[] = [
    { op_type: 'Conv', name: 'c', input: ['input', 'W', 'B'], output: ['conv'], attribute: options.conv ?? [intsAttribute('kernel_shape', [3, 3])] },
    { op_type: 'MaxPool', name: 'p', input: ['conv'], output: ['pool'], attribute: options.pool ?? [intsAttribute('kernel_shape', [2, 2]), intsAttribute('strides', [2, 2])] },
    { op_type: 'Reshape', name: 'r', input: ['pool', 'shape'], output: ['rows'] },
    { op_type: 'Gemm', name: 'g', input: ['rows', 'G', 'gb'], output: ['logits'] },
  ];
  const features = options.features ?? 4 * 13 * 13;
  return {
    name: 'conv',
    node: options.node ? options.node(nodes) : nodes,
    initializer: options.initializer ?? [floats('W', [4, 1, 3, 3]), floats('B', [4]), int64Tensor('shape', [0, -1]), floats('G', [features, 10]), floats('gb', [10])],
    input: [tensorInfo('input', options.input ?? ['N', 1, 28, 28])],
    output: options.output ?? [tensorInfo('logits', ['N', 10])],
  };
}

const withInitializer = (name: string, tensor: NonNullable<OnnxGraph['initializer']>[number]): OnnxGraph['initializer'] =>
  convGraph().initializer!.map((t) => (t.name === name ? tensor : t));

describe('conv models: the inspection computes what onnxruntime computes', () => {
  it('asymmetric pads, unequal strides, auto_pad NOTSET, padded pooling and Reshape with 0 and -1', async () => {
    // Conv: H = floor((28 + 1 + 2 - 3) / 2) + 1 = 15, W = floor((28 + 0 + 1 - 3) / 3) + 1 = 9.
    // MaxPool 3x2 stride 2 pad 1: H = floor((15 + 2 - 3) / 2) + 1 = 8, W = floor((9 + 2 - 2) / 2) + 1 = 5.
    const g = convGraph({
      conv: [intsAttribute('kernel_shape', [3, 3]), intsAttribute('pads', [1, 0, 2, 1]), intsAttribute('strides', [2, 3]), intsAttribute('dilations', [1, 1]), intAttribute('group', 1), text('auto_pad', 'NOTSET')],
      pool: [intsAttribute('kernel_shape', [3, 2]), intsAttribute('strides', [2, 2]), intsAttribute('pads', [1, 1, 1, 1]), text('auto_pad', 'NOTSET'), intAttribute('ceil_mode', 0)],
      features: 4 * 8 * 5,
      output: [tensorInfo('logits', ['N', 10]), tensorInfo('conv', ['N', 4, 15, 9]), tensorInfo('pool', ['N', 4, 8, 5]), tensorInfo('rows', ['N', 160])],
    });
    const bytes = model(g);
    const info = inspectOnnxModel(bytes, 'conv.onnx');
    expect(info).toMatchObject({ inputDims: [1, 28, 28], inputSize: 784, classes: 10, operators: ['Conv', 'MaxPool', 'Reshape', 'Gemm'], checkedBatch: 1000 });
    const session = await ort.InferenceSession.create(bytes);
    const outputs = await session.run({ input: new ort.Tensor('float32', new Float32Array(7 * 784).map((_, i) => (i % 11) / 11), [7, 1, 28, 28]) });
    expect(Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, value.dims]))).toEqual({ logits: [7, 10], conv: [7, 4, 15, 9], pool: [7, 4, 8, 5], rows: [7, 160] });
    await session.release();
  });
});

/** Each is refused before onnxruntime sees it, with the node and the reason. */
const refused: Array<[string, OnnxGraph, string]> = [
  ['dilated Conv', convGraph({ conv: [intsAttribute('dilations', [2, 2])] }), 'node "c" (Conv) has dilations [2, 2]; this app runs only dilations 1'],
  ['grouped Conv', convGraph({ conv: [intAttribute('group', 2)] }), 'node "c" (Conv) has group 2; this app runs only group 1 (no grouped or depthwise convolutions)'],
  ['Conv auto_pad', convGraph({ conv: [text('auto_pad', 'SAME_UPPER')] }), 'node "c" (Conv) has auto_pad "SAME_UPPER"; this app runs only explicit pads (auto_pad NOTSET)'],
  ['MaxPool auto_pad', convGraph({ pool: [intsAttribute('kernel_shape', [2, 2]), text('auto_pad', 'VALID')] }), 'node "p" (MaxPool) has auto_pad "VALID"; this app runs only explicit pads (auto_pad NOTSET)'],
  ['MaxPool ceil_mode', convGraph({ pool: [intsAttribute('kernel_shape', [2, 2]), intAttribute('ceil_mode', 1)] }), 'node "p" (MaxPool) has ceil_mode 1; this app runs only ceil_mode 0 (floor, as the book\'s pooling)'],
  ['dilated MaxPool', convGraph({ pool: [intsAttribute('kernel_shape', [2, 2]), intsAttribute('dilations', [1, 2])] }), 'node "p" (MaxPool) has dilations [1, 2]; this app runs only dilations 1'],
  ['MaxPool padded by its window', convGraph({ pool: [intsAttribute('kernel_shape', [2, 3]), intsAttribute('pads', [1, 3, 0, 0])] }), 'node "p" (MaxPool) has pads [1, 3, 0, 0] for a 2x3 window; each pad must be smaller than the window'],
  ['MaxPool without a kernel', convGraph({ pool: [intsAttribute('strides', [2, 2])] }), 'node "p" (MaxPool) has no kernel_shape'],
  ['MaxPool indices', convGraph({ node: (n) => n.map((x) => (x.name === 'p' ? { ...x, output: ['pool', 'indices'] } : x)) }), 'node "p" (MaxPool) has 2 outputs; MaxPool gives 1 to 1'],
  ['a text attribute other than auto_pad', convGraph({ conv: [text('mode', 'fast')] }), 'attribute "mode" of node "c" holds text: the operators this app runs take only numbers as attributes (and auto_pad)'],
  ['auto_pad where it does not belong', convGraph({ node: (n) => n.map((x) => (x.name === 'g' ? { ...x, attribute: [text('auto_pad', 'NOTSET')] } : x)) }), 'node "g" (Gemm) has an attribute "auto_pad" that Gemm does not take'],
  ['one stride for a 2-D window', convGraph({ conv: [intsAttribute('strides', [1])] }), 'node "c" (Conv) has 1 strides; a 2-D window takes 2'],
  ['a negative pad', convGraph({ conv: [intsAttribute('pads', [-1, 0, 0, 0])] }), 'node "c" (Conv) has pads [-1, 0, 0, 0]; each must be a whole number from 0 to 65536'],
  ['a zero stride', convGraph({ pool: [intsAttribute('kernel_shape', [2, 2]), intsAttribute('strides', [0, 2])] }), 'node "p" (MaxPool) has strides [0, 2]; each must be a whole number from 1 to 65536'],
  ['kernel_shape against the filters', convGraph({ conv: [intsAttribute('kernel_shape', [5, 5])] }), 'node "c" (Conv) has kernel_shape [5, 5] but filters [4, 1, 3, 3]'],
  ['filters for other channels', convGraph({ initializer: withInitializer('W', floats('W', [4, 3, 3, 3])) }), 'node "c" (Conv) has filters [4, 3, 3, 3] for 3 channels, but its input [1000, 1, 28, 28] has 1'],
  ['a bias of the wrong size', convGraph({ initializer: withInitializer('B', floats('B', [5])) }), 'node "c" (Conv) has a bias of [5] for 4 filters'],
  ['a window larger than the image', convGraph({ initializer: withInitializer('W', floats('W', [4, 1, 30, 30])), conv: [] }), 'node "c" (Conv) has a 30x30 window that does not fit [1000, 1, 28, 28] padded by [0, 0, 0, 0]'],
  ['Conv over rows', convGraph({ input: ['N', 784] }), 'node "c" (Conv) reads [1000, 784]; this app runs 2-D convolutions over [N, C, H, W] images'],
  ['three-channel input', convGraph({ input: ['N', 3, 28, 28] }), 'input "input" is [N, 3, 28, 28]; expected float32 [N, features] or [N, 1, height, width]'],
  ['Reshape to a computed shape', convGraph({ initializer: withInitializer('shape', floats('shape', [2])) }), 'node "r" (Reshape) takes its shape from "shape", which is not a stored int64 vector; this app runs Reshape to a fixed shape only'],
  ['Reshape to the wrong size', convGraph({ initializer: withInitializer('shape', int64Tensor('shape', [0, 7])) }), 'node "r" (Reshape) cannot reshape [1000, 4, 13, 13] (676000 values) to [0, 7] (7000)'],
  ['Reshape with two -1', convGraph({ initializer: withInitializer('shape', int64Tensor('shape', [-1, -1])) }), 'node "r" (Reshape) reshapes to [-1, -1], with more than one -1'],
  ['Reshape with allowzero', convGraph({ node: (n) => n.map((x) => (x.name === 'r' ? { ...x, attribute: [intAttribute('allowzero', 1)] } : x)) }), 'node "r" (Reshape) has allowzero set; a dimension of 0 is an empty tensor, not a layer'],
  ['a long int64 tensor', convGraph({ initializer: withInitializer('shape', int64Tensor('shape', Array.from({ length: 100 }, () => 1))) }), 'initializer "shape" is an int64 tensor of [100]; this app reads int64 only as a shape, a vector of at most 8 values'],
  ['short int64 data', convGraph({ initializer: withInitializer('shape', { ...int64Tensor('shape', [0, -1]), raw_data: new Uint8Array(12) }) }), 'initializer "shape" is declared with 2 int64 values but the file holds 12 bytes for it'],
  ['an int64 tensor as weights', convGraph({ node: (n) => n.map((x) => (x.name === 'g' ? { ...x, input: ['rows', 'G', 'shape'] } : x)) }), 'node "g" (Gemm) takes float32, but input "shape" is int64'],
];

describe('conv models: the inspection refuses', () => {
  it.each(refused)('%s', (_name, g, message) => {
    expect(() => inspectOnnxModel(model(g), 'bad.onnx')).toThrow(`bad.onnx: ${message}`);
  });

  it('a Conv padded into a bomb, before anything is allocated', () => {
    // 60000 of padding on each side: [1000, 4, 120026, 120026] floats from a file of 27 KB (the Gemm's weights).
    const bomb = model(convGraph({ conv: [intsAttribute('pads', [60_000, 60_000, 60_000, 60_000])] }));
    expect(bomb.length).toBeLessThan(28 * 1024);
    expect(() => inspectOnnxModel(bomb, 'bomb.onnx')).toThrow('bomb.onnx: node "c" (Conv) would compute "conv" of [1000, 4, 120026, 120026] float32 = 210 TiB for a batch of 1000 images, over the 256 MiB this app allows one tensor');
  });

  it('a model that needs more multiply-adds than the app runs', () => {
    // 64 filters of 64x28x28 over 64 channels padded by 14: [1000, 64, 29, 29] outputs of 64 * 28 * 28 multiply-adds
    // each, 2.7e12, while every tensor is within its own and the total budget.
    const heavy = model(
      convGraph({
        node: (n) => [{ op_type: 'Conv', name: 'spread', input: ['input', 'S'], output: ['wide'] }, { ...n[0]!, input: ['wide', 'W', 'B'] }, ...n.slice(1)],
        initializer: [floats('S', [64, 1, 1, 1]), floats('W', [64, 64, 28, 28]), floats('B', [64]), int64Tensor('shape', [0, -1]), floats('G', [64 * 14 * 14, 10]), floats('gb', [10])],
        conv: [intsAttribute('pads', [14, 14, 14, 14])],
      }),
    );
    expect(() => inspectOnnxModel(heavy, 'heavy.onnx')).toThrow(/^heavy\.onnx: it would need over 2\.7e\+12 multiply-adds for a batch of 1000 images \(at node "c" \(Conv\)\), more than the 5\.0e\+10 this app runs$/);
  });
});
