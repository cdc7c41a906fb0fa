import type { Activation } from '../../src-engine/networks/network-spec';
import { floatAttribute, floatTensor, gemmNode, ONNX_IR_VERSION, ONNX_OPSET, PRODUCER_NAME, softmaxNode, tensorInfo } from './onnx-builders';
import { encodeModel, type OnnxNode, type OnnxTensor } from './onnx-schema';

export interface AffineWeights {
  /** inputs x outputs, row-major (the engine's W). */
  readonly W: ArrayLike<number>;
  readonly b: ArrayLike<number>;
  readonly inputs: number;
  readonly outputs: number;
  /** A hidden layer's BatchNormalization in inference form (running statistics). */
  readonly batchNorm?: { readonly gamma: ArrayLike<number>; readonly beta: ArrayLike<number>; readonly mean: ArrayLike<number>; readonly variance: ArrayLike<number>; readonly epsilon: number };
  /** A hidden layer's dropout at inference: the book's multiplies by 1 - ratio (inverted dropout: 1, omitted). */
  readonly dropoutScale?: number;
}

export interface MlpExport {
  readonly layers: readonly AffineWeights[];
  readonly activation: Activation;
  readonly producerVersion: string;
  readonly docString: string;
  /** dataset, config, test_accuracy, run_id, created_at, …: written as the model's metadata_props. */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * The engine's MultiLayerNet as an ONNX graph: Gemm per Affine (Y = X W + b, the engine's orientation, so no
 * transpose), BatchNormalization with the running statistics, the activation, the book's dropout as a Mul, `logits` from the last Gemm and `probabilities` = Softmax(logits)
 * over the last axis. The batch dimension is symbolic ("N").
 */
export function buildMlpModel(spec: MlpExport): Uint8Array<ArrayBuffer> {
  if (spec.layers.length === 0) throw new Error('a network needs at least one Affine layer to export');
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  let current = 'input';
  spec.layers.forEach((layer, index) => {
    const l = index + 1;
    if (layer.W.length !== layer.inputs * layer.outputs || layer.b.length !== layer.outputs) {
      throw new Error(`layer ${l}: W has ${layer.W.length} values and b ${layer.b.length} for ${layer.inputs}x${layer.outputs}`);
    }
    if (index > 0 && spec.layers[index - 1]!.outputs !== layer.inputs) throw new Error(`layer ${l} takes ${layer.inputs} inputs, layer ${index} gives ${spec.layers[index - 1]!.outputs}`);
    initializers.push(floatTensor(`W${l}`, [layer.inputs, layer.outputs], layer.W), floatTensor(`b${l}`, [layer.outputs], layer.b));
    const last = l === spec.layers.length;
    const affineOut = last ? 'logits' : `affine${l}`;
    nodes.push(gemmNode(`Affine${l}`, current, `W${l}`, `b${l}`, affineOut));
    current = affineOut;
    if (!last) {
      const bn = layer.batchNorm;
      if (bn) {
        const names = [`gamma${l}`, `beta${l}`, `running_mean${l}`, `running_var${l}`];
        initializers.push(
          floatTensor(names[0]!, [layer.outputs], bn.gamma),
          floatTensor(names[1]!, [layer.outputs], bn.beta),
          floatTensor(names[2]!, [layer.outputs], bn.mean),
          floatTensor(names[3]!, [layer.outputs], bn.variance),
        );
        nodes.push({ op_type: 'BatchNormalization', name: `BatchNorm${l}`, input: [current, ...names], output: [`batchnorm${l}`], attribute: [floatAttribute('epsilon', bn.epsilon)] });
        current = `batchnorm${l}`;
      }
      const op = spec.activation === 'relu' ? 'Relu' : 'Sigmoid';
      nodes.push({ op_type: op, name: `${op}${l}`, input: [current], output: [`${op.toLowerCase()}${l}`] });
      current = `${op.toLowerCase()}${l}`;
      if (layer.dropoutScale !== undefined && layer.dropoutScale !== 1) {
        initializers.push(floatTensor(`dropout_scale${l}`, [], [layer.dropoutScale]));
        nodes.push({ op_type: 'Mul', name: `Dropout${l}`, input: [current, `dropout_scale${l}`], output: [`dropout${l}`], doc_string: 'the book\'s Dropout at inference: x * (1 - ratio)' });
        current = `dropout${l}`;
      }
    }
  });
  nodes.push(softmaxNode());
  const inputs = spec.layers[0]!.inputs;
  const classes = spec.layers.at(-1)!.outputs;
  return encodeModel({
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: PRODUCER_NAME,
    producer_version: spec.producerVersion,
    doc_string: spec.docString,
    graph: {
      name: 'mlp',
      node: nodes,
      initializer: initializers,
      input: [tensorInfo('input', ['N', inputs], `float32 images, ${inputs} pixels in [0, 1] per row`)],
      output: [tensorInfo('logits', ['N', classes], 'class scores before softmax'), tensorInfo('probabilities', ['N', classes], 'softmax of the logits')],
    },
    metadata_props: Object.entries(spec.metadata).map(([key, value]) => ({ key, value })),
  });
}
