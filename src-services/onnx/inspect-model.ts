import type { OnnxModelDescription } from '../../src-shared/api';
import { DATA_TYPE_FLOAT, decodeModel, int64, type OnnxModel, type OnnxValueInfo } from './onnx-schema';

/** Operators of the MLPs this app exports or can run: anything else is refused by name. */
export const SUPPORTED_OPERATORS: readonly string[] = ['Gemm', 'MatMul', 'Add', 'Mul', 'Relu', 'Sigmoid', 'Softmax', 'BatchNormalization', 'Dropout', 'Identity', 'Flatten'];

export class OnnxModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxModelError';
  }
}

export interface OnnxModelInfo extends OnnxModelDescription {
  readonly inputName: string;
  /** The output to read class scores from: `logits` when present (softmax applied by the reader), else the last. */
  readonly scoresName: string;
  readonly scoresAreProbabilities: boolean;
  readonly opset: number;
}

function shapeOf(info: OnnxValueInfo): Array<number | string> | undefined {
  const tensor = info.type?.tensor_type;
  if (!tensor?.shape?.dim) return undefined;
  return tensor.shape.dim.map((d) => (d.dim_param !== undefined ? d.dim_param : int64(d.dim_value)));
}

const describeShape = (shape: Array<number | string> | undefined): string => (shape ? `[${shape.join(', ')}]` : 'an unknown shape');

/**
 * Reads an .onnx file and checks that it is an MLP this app can run: one float32 [N, features] input,
 * supported operators only, and a float32 [N, classes] output. Errors name the file and what is wrong.
 */
export function inspectOnnxModel(bytes: Uint8Array, source: string): OnnxModelInfo {
  if (bytes.length === 0) throw new OnnxModelError(`${source}: the file is empty`);
  let model: OnnxModel;
  try {
    model = decodeModel(bytes);
  } catch (error) {
    throw new OnnxModelError(`${source}: not a readable ONNX model (${(error as Error).message}); the file may be truncated or corrupted`);
  }
  const graph = model.graph;
  if (!graph || !graph.node?.length || !model.opset_import?.length) {
    throw new OnnxModelError(`${source}: not an ONNX model (no graph, nodes or opset); the file may be corrupted`);
  }
  const operators = [...new Set(graph.node.map((n) => n.op_type))];
  const unsupported = operators.filter((op) => !SUPPORTED_OPERATORS.includes(op));
  const foreignDomains = [...new Set(graph.node.filter((n) => n.domain && n.domain !== 'ai.onnx').map((n) => `${n.domain}.${n.op_type}`))];
  if (unsupported.length || foreignDomains.length) {
    const names = [...unsupported, ...foreignDomains];
    throw new OnnxModelError(`${source}: unsupported operator${names.length > 1 ? 's' : ''} ${names.join(', ')}; this app runs MLPs made of ${SUPPORTED_OPERATORS.join(', ')}`);
  }
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name));
  if (inputs.length !== 1) throw new OnnxModelError(`${source}: the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ') || 'none'}); an MLP takes one`);
  const input = inputs[0]!;
  const inputShape = shapeOf(input);
  if (input.type?.tensor_type?.elem_type !== DATA_TYPE_FLOAT || !inputShape || inputShape.length !== 2 || typeof inputShape[1] !== 'number' || inputShape[1] <= 0) {
    throw new OnnxModelError(`${source}: input "${input.name}" is ${describeShape(inputShape)}; expected float32 [N, features]`);
  }
  const outputs = graph.output ?? [];
  const scores = outputs.find((o) => o.name === 'logits') ?? outputs.at(-1);
  const scoresShape = scores ? shapeOf(scores) : undefined;
  if (!scores || scores.type?.tensor_type?.elem_type !== DATA_TYPE_FLOAT || !scoresShape || scoresShape.length !== 2 || typeof scoresShape[1] !== 'number') {
    throw new OnnxModelError(`${source}: output "${scores?.name ?? '(none)'}" is ${describeShape(scoresShape)}; expected float32 [N, classes]`);
  }
  const opset = Math.max(...model.opset_import.filter((o) => !o.domain || o.domain === 'ai.onnx').map((o) => int64(o.version)));
  const lastOp = graph.node.find((n) => n.output?.includes(scores.name))?.op_type;
  return {
    inputName: input.name,
    inputSize: inputShape[1],
    scoresName: scores.name,
    scoresAreProbabilities: lastOp === 'Softmax',
    classes: scoresShape[1] as number,
    operators,
    producer: [model.producer_name, model.producer_version].filter(Boolean).join(' ') || 'unknown',
    opset,
    metadata: Object.fromEntries((model.metadata_props ?? []).map((p) => [p.key, p.value])),
  };
}
