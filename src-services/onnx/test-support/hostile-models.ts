import { layerShapes, simpleConvNet } from '../../../src-engine/networks/layer-list-spec';
import { buildLayerListModel } from '../export-layer-list';
import { buildMlpModel } from '../export-model';
import { ATTRIBUTE_INT, DATA_LOCATION_EXTERNAL, DATA_TYPE_FLOAT, decodeModel, encodeModel, GraphProto, ModelProto, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from '../onnx-schema';

/**
 * .onnx files for tests, written with the project's own protobuf schema: a well-formed MLP made by the
 * exporter, and models built to break each limit the inspection enforces.
 */

export function tensorInfo(name: string, dims: Array<number | string>): OnnxValueInfo {
  return { name, type: { tensor_type: { elem_type: DATA_TYPE_FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } } };
}

export function floats(name: string, dims: number[], fill = (i: number) => Math.sin(i + 1) / 10): OnnxTensor {
  const values = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => fill(i));
  return { name, dims, data_type: DATA_TYPE_FLOAT, raw_data: new Uint8Array(values.buffer) };
}

export function model(graph: OnnxGraph, opset = 17): Uint8Array<ArrayBuffer> {
  return encodeModel({ ir_version: 8, opset_import: [{ domain: '', version: opset }], producer_name: 'hostile-test', graph });
}

/** Encodes without protobufjs' verify step, for values the schema types cannot express (e.g. 2^31 in a Long). */
export function modelUnchecked(graph: OnnxGraph): Uint8Array<ArrayBuffer> {
  return new Uint8Array(ModelProto.encode(ModelProto.fromObject({ ir_version: 8, opset_import: [{ domain: '', version: 17 }], graph })).finish());
}

/** A real export: inputs-hidden-classes, ReLU, deterministic weights (what this app writes). */
export function exportedMlp(inputs = 784, hidden = 16, classes = 10): Uint8Array<ArrayBuffer> {
  const weights = (n: number, seed: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i) / Math.sqrt(inputs));
  return buildMlpModel({
    layers: [
      { W: weights(inputs * hidden, 1), b: weights(hidden, 2), inputs, outputs: hidden },
      { W: weights(hidden * classes, 3), b: weights(classes, 4), inputs: hidden, outputs: classes },
    ],
    activation: 'relu',
    producerVersion: 'test',
    docString: 'test MLP',
    metadata: { dataset: 'none' },
  });
}

/**
 * A real export of a small SimpleConvNet (4 filters 5x5, hidden 16), deterministic weights; with `imagesInput`
 * its first Reshape is dropped so that it takes [N, 1, 28, 28] images, as PyTorch's exports do.
 */
export function exportedConvNet(imagesInput = false): Uint8Array<ArrayBuffer> {
  const spec = simpleConvNet({ filters: 4, hidden: 16 });
  const shapes = layerShapes(spec);
  const weights = (shape: number[], seed: number) => ({ shape, data: Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(seed * 1000 + i) / 5) });
  const flat = buildLayerListModel({
    spec,
    params: { W1: weights([4, 1, 5, 5], 1), b1: weights([4], 2), W2: weights([shapes[3]!.reduce((a, b) => a * b, 1), 16], 3), b2: weights([16], 4), W3: weights([16, 10], 5), b3: weights([10], 6) },
    runningStatistics: {},
    batchNormEpsilon: 1e-6,
    producerVersion: 'test',
    docString: 'test conv net',
    metadata: { dataset: 'none' },
  });
  if (!imagesInput) return flat;
  const decoded = decodeModel(flat);
  const graph = decoded.graph!;
  return encodeModel({
    ...decoded,
    graph: { ...graph, node: graph.node!.slice(1), initializer: graph.initializer!.filter((t) => t.name !== 'ToImages_shape'), input: [tensorInfo(graph.node![1]!.input![0]!, ['N', 1, 28, 28])] },
  });
}

/**
 * The bomb, one image in: Mul([N,1],[1,W]) gives u = [N,W]; Flatten(u, axis 2) is [N*W,1]; Mul with
 * [1,W] again is [N*W, W] = W^2 floats per image (10 GB for W = 50000) from a file of 4*W bytes.
 */
export function mulBroadcastBomb(width = 50_000): Uint8Array<ArrayBuffer> {
  return model({
    name: 'bomb',
    node: [
      { op_type: 'Mul', name: 'spread', input: ['x', 'c'], output: ['u'] },
      { op_type: 'Flatten', name: 'column', input: ['u'], output: ['v'], attribute: [{ name: 'axis', type: ATTRIBUTE_INT, i: 2 }] },
      { op_type: 'Mul', name: 'outer', input: ['v', 'c'], output: ['p'] },
      { op_type: 'MatMul', name: 'mix', input: ['u', 'p'], output: ['logits'] },
    ],
    initializer: [floats('c', [1, width], () => 1e-3)],
    input: [tensorInfo('x', ['N', 1])],
    output: [tensorInfo('logits', ['N', width])],
  });
}

/** A 784-input model whose first weights live "in another file" (external data), here `location`. */
export function externalDataModel(location: string): Uint8Array<ArrayBuffer> {
  const graph = gemmGraph(784, 10, 10);
  const [first, ...rest] = graph.initializer!;
  const external: OnnxTensor = {
    name: first!.name,
    dims: first!.dims!,
    data_type: DATA_TYPE_FLOAT,
    data_location: DATA_LOCATION_EXTERNAL,
    external_data: [
      { key: 'location', value: location },
      { key: 'offset', value: '0' },
      { key: 'length', value: String(784 * 10 * 4) },
    ],
  };
  return model({ ...graph, initializer: [external, ...rest] });
}

/** input [N, inputs] -> Gemm to `computed` classes, while the output declares `declared` classes. */
export function gemmGraph(inputs: number, computed: number, declared: number): OnnxGraph {
  return {
    name: 'gemm',
    node: [{ op_type: 'Gemm', name: 'affine', input: ['input', 'W', 'b'], output: ['logits'] }],
    initializer: [floats('W', [inputs, computed]), floats('b', [computed])],
    input: [tensorInfo('input', ['N', inputs])],
    output: [tensorInfo('logits', ['N', declared])],
  };
}

/** A chain of `count` Relu nodes after one Gemm: a well-formed MLP with a huge graph. */
export function manyNodes(count: number): Uint8Array<ArrayBuffer> {
  const node: OnnxNode[] = [{ op_type: 'Gemm', name: 'affine', input: ['input', 'W', 'b'], output: ['h0'] }];
  for (let i = 1; i <= count; i++) node.push({ op_type: 'Relu', input: [`h${i - 1}`], output: [i === count ? 'logits' : `h${i}`] });
  return model({ name: 'long', node, initializer: [floats('W', [4, 3]), floats('b', [3])], input: [tensorInfo('input', ['N', 4])], output: [tensorInfo('logits', ['N', 3])] });
}

/** Two Relu nodes that read each other's output. */
export function cycleModel(): Uint8Array<ArrayBuffer> {
  return model({
    name: 'cycle',
    node: [
      { op_type: 'Add', name: 'a', input: ['input', 'loop'], output: ['logits'] },
      { op_type: 'Relu', name: 'b', input: ['logits'], output: ['loop'] },
    ],
    input: [tensorInfo('input', ['N', 4])],
    output: [tensorInfo('logits', ['N', 4])],
  });
}

/** An identity model whose input and output declare the given dimensions. */
export function declaredDims(dims: Array<number | string>): Uint8Array<ArrayBuffer> {
  return modelUnchecked({ name: 'dims', node: [{ op_type: 'Identity', input: ['input'], output: ['logits'] }], input: [tensorInfo('input', dims)], output: [tensorInfo('logits', dims)] });
}

/**
 * A model whose node has a graph attribute holding a node with a graph attribute ... `depth` levels deep
 * (what If/Loop bodies look like, nested without end).
 */
export function nestedGraphAttributes(depth: number): Uint8Array<ArrayBuffer> {
  let inner = new Uint8Array(0);
  for (let level = 0; level < depth; level++) {
    inner = GraphProto.encode(GraphProto.fromObject({ name: `level${level}`, node: [{ op_type: 'If', input: ['c'], output: ['y'], attribute: [{ name: 'then_branch', type: 5, g: inner }] }] })).finish().slice();
  }
  return withAttribute({ name: 'body', type: 5, g: inner });
}

/** A small Gemm model with one extra attribute on its node. */
export function withAttribute(attribute: NonNullable<OnnxNode['attribute']>[number]): Uint8Array<ArrayBuffer> {
  const graph = gemmGraph(4, 3, 3);
  return modelUnchecked({ ...graph, node: [{ ...graph.node![0]!, attribute: [attribute] }] });
}

/** Protobuf bytes of `depth` nested groups: what a recursive decoder or skipper would follow all the way down. */
export function nestedGroups(depth: number): Uint8Array<ArrayBuffer> {
  // The model's field 6 (doc_string) as start-group tags (wire type 3), then as many end-group tags.
  const start = (6 << 3) | 3;
  const end = (6 << 3) | 4;
  return Uint8Array.from([...Array(depth).fill(start), ...Array(depth).fill(end)]);
}
