import { layerShapes, type LayerListSpec } from '../../src-engine/networks/layer-list-spec';
import { floatAttribute, floatTensor, gemmNode, int64Tensor, intAttribute, intsAttribute, ONNX_IR_VERSION, ONNX_OPSET, PRODUCER_NAME, softmaxNode, tensorInfo } from './onnx-builders';
import { encodeModel, type OnnxNode, type OnnxTensor } from './onnx-schema';

/** A parameter as the exporter reads it: the engine's Tensor fits. */
interface Values {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

export interface LayerListExport {
  readonly spec: LayerListSpec;
  /** LayerListNet.params: W1, b1, ... over conv and affine layers in order; gamma1, beta1, ... for the BatchNorms. */
  readonly params: Readonly<Record<string, Values>>;
  /** LayerListNet.runningStatistics: runningMean1, runningVar1, ... */
  readonly runningStatistics: Readonly<Record<string, Values>>;
  /** The engine's BatchNormalization epsilon. */
  readonly batchNormEpsilon: number;
  readonly producerVersion: string;
  readonly docString: string;
  /** dataset, config, test_accuracy, run_id, created_at, …: written as the model's metadata_props. */
  readonly metadata: Readonly<Record<string, string>>;
}

const elements = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * The engine's LayerListNet (SimpleConvNet, DeepConvNet, ...) as an ONNX graph. The input is what the MLP
 * exports and the Draw view use: float32 [N, C*H*W] rows of pixels in [0, 1], which a Reshape turns into
 * [N, C, H, W] images (as LayerListNet.predict does). Then, layer by layer:
 * - conv: Conv with W (FN, C, FH, FW), b, kernel_shape, strides and symmetric pads;
 * - pool: MaxPool with kernel_shape and strides (the engine's pooling has no padding; floor like the book's //);
 * - affine: Gemm with W (inputs, outputs), after a Flatten(axis 1) when it gets images: the engine's Affine
 *   reads (N, C, H, W) row-major as (N, C*H*W), which is exactly Flatten(axis 1);
 * - relu, sigmoid: Relu, Sigmoid;
 * - batchnorm: BatchNormalization in inference mode with the running statistics and the engine's epsilon. The
 *   engine normalises every value of a sample on its own (the book reshapes (N, C, H, W) to (N, C*H*W)), so
 *   after a conv or pool it is Flatten -> BatchNormalization over C*H*W features -> Reshape back;
 * - dropout: the book's Dropout at inference scales by (1 - ratio): a Mul (none for ratio 0).
 * The last layer's output is `logits`; `probabilities` = Softmax(logits). The batch dimension is symbolic ("N").
 */
export function buildLayerListModel(exp: LayerListExport): Uint8Array<ArrayBuffer> {
  const { spec } = exp;
  const shapes = layerShapes(spec);
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const param = (source: Readonly<Record<string, Values>>, name: string, shape: readonly number[]): ArrayLike<number> => {
    const value = source[name];
    if (!value) throw new Error(`the network has no ${name} to export`);
    if (value.data.length !== elements(shape) || value.shape.join() !== shape.join()) {
      throw new Error(`${name} is [${value.shape.join(', ')}] with ${value.data.length} values; the layer list needs [${shape.join(', ')}]`);
    }
    return value.data;
  };
  const constant = (name: string, dims: number[], values: ArrayLike<number>): string => {
    initializers.push(floatTensor(name, dims, values));
    return name;
  };
  /** A Reshape to [-1, ...sample]: its target is an int64 initializer. */
  const reshape = (name: string, input: string, sample: readonly number[], output: string): OnnxNode => {
    initializers.push(int64Tensor(`${name}_shape`, [-1, ...sample]));
    return { op_type: 'Reshape', name, input: [input, `${name}_shape`], output: [output] };
  };
  const counts: Record<string, number> = {};
  const next = (kind: string): number => (counts[kind] = (counts[kind] ?? 0) + 1);
  let current = 'images';
  nodes.push(reshape('ToImages', 'input', spec.input, current));
  const add = (node: OnnxNode): void => {
    nodes.push(node);
    current = node.output![0]!;
  };

  spec.layers.forEach((layer, i) => {
    const before = shapes[i]!;
    switch (layer.type) {
      case 'conv': {
        const k = next('weights');
        const n = next('Conv');
        const wShape = [layer.filters, before[0]!, layer.size, layer.size];
        const W = constant(`W${k}`, wShape, param(exp.params, `W${k}`, wShape));
        const b = constant(`b${k}`, [layer.filters], param(exp.params, `b${k}`, [layer.filters]));
        const p = layer.pad;
        add({
          op_type: 'Conv',
          name: `Conv${n}`,
          input: [current, W, b],
          output: [`conv${n}`],
          attribute: [intsAttribute('kernel_shape', [layer.size, layer.size]), intsAttribute('strides', [layer.stride, layer.stride]), intsAttribute('pads', [p, p, p, p]), intsAttribute('dilations', [1, 1]), intAttribute('group', 1)],
        });
        break;
      }
      case 'pool': {
        const n = next('Pool');
        add({ op_type: 'MaxPool', name: `Pool${n}`, input: [current], output: [`pool${n}`], attribute: [intsAttribute('kernel_shape', [layer.size, layer.size]), intsAttribute('strides', [layer.stride, layer.stride])] });
        break;
      }
      case 'affine': {
        const k = next('weights');
        const n = next('Affine');
        const inputs = elements(before);
        if (before.length > 1) add({ op_type: 'Flatten', name: `Flatten${n}`, input: [current], output: [`flatten${n}`], attribute: [intAttribute('axis', 1)] });
        const W = constant(`W${k}`, [inputs, layer.units], param(exp.params, `W${k}`, [inputs, layer.units]));
        const b = constant(`b${k}`, [layer.units], param(exp.params, `b${k}`, [layer.units]));
        add(gemmNode(`Affine${n}`, current, W, b, `affine${n}`));
        break;
      }
      case 'relu':
      case 'sigmoid': {
        const op = layer.type === 'relu' ? 'Relu' : 'Sigmoid';
        const n = next(op);
        add({ op_type: op, name: `${op}${n}`, input: [current], output: [`${layer.type}${n}`] });
        break;
      }
      case 'batchnorm': {
        const n = next('BatchNorm');
        const features = [elements(before)];
        const statistics = [
          constant(`gamma${n}`, features, param(exp.params, `gamma${n}`, features)),
          constant(`beta${n}`, features, param(exp.params, `beta${n}`, features)),
          constant(`running_mean${n}`, features, param(exp.runningStatistics, `runningMean${n}`, features)),
          constant(`running_var${n}`, features, param(exp.runningStatistics, `runningVar${n}`, features)),
        ];
        const images = before.length > 1;
        if (images) add({ op_type: 'Flatten', name: `BatchNorm${n}_flatten`, input: [current], output: [`batchnorm${n}_rows`], attribute: [intAttribute('axis', 1)] });
        add({ op_type: 'BatchNormalization', name: `BatchNorm${n}`, input: [current, ...statistics], output: [`batchnorm${n}`], attribute: [floatAttribute('epsilon', exp.batchNormEpsilon)] });
        if (images) add(reshape(`BatchNorm${n}_reshape`, current, before, `batchnorm${n}_images`));
        break;
      }
      case 'dropout': {
        const n = next('Dropout');
        if (layer.ratio === 0) break;
        const scale = constant(`dropout_scale${n}`, [], [1 - layer.ratio]);
        add({ op_type: 'Mul', name: `Dropout${n}`, input: [current, scale], output: [`dropout${n}`], doc_string: "the book's Dropout at inference: x * (1 - ratio)" });
        break;
      }
    }
  });
  // The last node's output is the class scores: layerShapes checked that it is [output].
  const last = nodes.at(-1)!;
  last.output = ['logits'];
  nodes.push(softmaxNode());
  const [c, h, w] = spec.input;
  const inputs = c * h * w;
  return encodeModel({
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: PRODUCER_NAME,
    producer_version: exp.producerVersion,
    doc_string: exp.docString,
    graph: {
      name: 'layer-list',
      node: nodes,
      initializer: initializers,
      input: [tensorInfo('input', ['N', inputs], `float32 images, ${c}x${h}x${w} = ${inputs} values in [0, 1] per row, row-major (C, H, W)`)],
      output: [tensorInfo('logits', ['N', spec.output], 'class scores before softmax'), tensorInfo('probabilities', ['N', spec.output], 'softmax of the logits')],
    },
    metadata_props: Object.entries(exp.metadata).map(([key, value]) => ({ key, value })),
  });
}
