import type { OnnxModelDescription } from '../../src-shared/api';
import { ONNX_LIMITS } from '../../src-shared/limits';
import { graphShapes } from './graph-shapes';
import { checkedDimension, checkedInitializers, refuseUncheckedFeatures } from './model-checks';
import { formatBytes, formatDims, quote, refuserFor, type Refuse } from './model-error';
import { OPERATORS } from './onnx-operators';
import { DATA_TYPE_FLOAT, decodeModel, int64, type OnnxModel, type OnnxValueInfo } from './onnx-schema';
import { scanModelWire, WireScanError } from './wire-scan';

export { OnnxModelError } from './model-error';

/** Operators of the MLPs and conv nets this app exports or can run: anything else is refused by name. */
const SUPPORTED_OPERATORS: readonly string[] = Object.keys(OPERATORS);

/** The limits an inspection checks (ONNX_LIMITS unless a test narrows them). */
export type OnnxInspectionLimits = Pick<typeof ONNX_LIMITS, 'maxFileBytes' | 'maxNodes' | 'maxWireElements' | 'maxRank' | 'validationBatch' | 'maxTensorBytes' | 'maxActivationBytes' | 'maxMultiplyAdds'>;

export interface OnnxModelInfo extends OnnxModelDescription {
  readonly inputName: string;
  /** One image as the input takes it: [features] (rows of pixels) or [1, height, width] (one-channel images). */
  readonly inputDims: readonly number[];
  /** The output to read class scores from: `logits` when present (softmax applied by the reader), else the last. */
  readonly scoresName: string;
  readonly scoresAreProbabilities: boolean;
  readonly opset: number;
  /** Images per run when the input's batch dimension is fixed (only 1 is accepted); null when it is symbolic. */
  readonly fixedBatch: number | null;
  /** Rows per onnxruntime call the checks were made for: validation runs in batches of this many images. */
  readonly checkedBatch: number;
}

type Dimension = number | string;

/** What of the model's own text is kept and shown: our exports write 7 entries, the config the longest (~2 KB). */
const MAX_METADATA_ENTRIES = 64;
const MAX_METADATA_VALUE = 16 * 1024;
const shortened = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

function declaredShape(info: OnnxValueInfo): Dimension[] | undefined {
  const tensor = info.type?.tensor_type;
  if (!tensor?.shape?.dim) return undefined;
  // A dimension with neither a value nor a name is unknown: shown, and checked, as a symbol.
  return tensor.shape.dim.map((d) => (d.dim_value !== undefined ? int64(d.dim_value) : (d.dim_param ?? '?')));
}

const describeShape = (shape: Dimension[] | undefined): string => (shape ? `[${shape.join(', ')}]` : 'an unknown shape');

function decoded(bytes: Uint8Array, limits: OnnxInspectionLimits, refuse: Refuse): OnnxModel {
  if (bytes.length === 0) refuse('the file is empty');
  if (bytes.length > limits.maxFileBytes) refuse(`the file is ${formatBytes(bytes.length)}, larger than the ${formatBytes(limits.maxFileBytes)} this app reads`);
  try {
    scanModelWire(bytes, { maxElements: limits.maxWireElements, maxNodes: limits.maxNodes });
  } catch (error) {
    if (!(error instanceof WireScanError)) throw error;
    refuse(error.malformed ? `not a readable ONNX model: ${error.message}` : `not an ONNX model this app loads: ${error.message}`);
  }
  try {
    return decodeModel(bytes);
  } catch (error) {
    return refuse(`not a readable ONNX model (${(error as Error).message}); the file may be truncated or corrupted`);
  }
}

/**
 * Reads an .onnx file and checks, before onnxruntime sees it, that it is an MLP or conv net this app can run
 * within its limits: the file's size and entry counts (on the wire, before decoding), no external data or other
 * unchecked feature, one float32 [N, features] or [N, 1, height, width] input, supported operators only, every tensor the graph
 * computes sized for a batch of `validationBatch` images within budget, and a float32 [N, classes] output
 * whose computed shape is what it declares. Errors name the file and what is wrong.
 */
export function inspectOnnxModel(bytes: Uint8Array, source: string, limits: OnnxInspectionLimits = ONNX_LIMITS): OnnxModelInfo {
  const refuse: Refuse = refuserFor(source);
  const model = decoded(bytes, limits, refuse);
  const graph = model.graph;
  if (!graph || !graph.node?.length || !model.opset_import?.length) refuse('not an ONNX model (no graph, nodes or opset); the file may be corrupted');
  refuseUncheckedFeatures(model, refuse);
  const operators = [...new Set(graph.node.map((n) => n.op_type))];
  const unsupported = operators.filter((op) => !SUPPORTED_OPERATORS.includes(op));
  const foreignDomains = [...new Set(graph.node.filter((n) => n.domain && n.domain !== 'ai.onnx').map((n) => `${n.domain}.${n.op_type}`))];
  if (unsupported.length || foreignDomains.length) {
    const names = [...unsupported, ...foreignDomains].slice(0, 10).map((name) => (/^[\w.]{1,60}$/.test(name) ? name : quote(name)));
    refuse(`unsupported operator${names.length > 1 ? 's' : ''} ${names.join(', ')}; this app runs networks made of ${SUPPORTED_OPERATORS.join(', ')}`);
  }
  const standard = model.opset_import.filter((o) => !o.domain || o.domain === 'ai.onnx').map((o) => int64(o.version));
  const opset = standard.length ? Math.max(...standard) : 0;
  if (opset < 7) refuse(standard.length ? `it uses ONNX opset ${opset}; onnxruntime runs opset 7 or later` : 'it does not import the standard ONNX operator set');

  const initializerShapes = checkedInitializers(graph, limits.maxRank, refuse);
  const inputs = (graph.input ?? []).filter((i) => !initializerShapes.has(i.name));
  if (inputs.length !== 1) refuse(`the model has ${inputs.length} inputs (${inputs.slice(0, 5).map((i) => quote(i.name)).join(', ') || 'none'}); a network takes one`);
  const input = inputs[0]!;
  const inputShape = declaredShape(input);
  const perImage = inputShape?.slice(1) ?? [];
  const flat = perImage.length === 1;
  const image = perImage.length === 3 && perImage[0] === 1;
  if (input.type?.tensor_type?.elem_type !== DATA_TYPE_FLOAT || !inputShape || !(flat || image) || !perImage.every((d) => typeof d === 'number')) {
    refuse(`input ${quote(input.name)} is ${describeShape(inputShape)}; expected float32 [N, features] or [N, 1, height, width]`);
  }
  const inputDims = perImage.map((d) => checkedDimension(d, `input ${quote(input.name)}`, refuse));
  const features = inputDims.reduce((a, b) => a * b, 1);
  const fixedBatch = typeof inputShape[0] === 'number' ? checkedDimension(inputShape[0], `input ${quote(input.name)}`, refuse) : null;
  if (fixedBatch !== null && fixedBatch !== 1) refuse(`input ${quote(input.name)} takes exactly ${fixedBatch} images at a time; this app needs a batch dimension that is symbolic (N) or 1`);
  const batch = fixedBatch ?? limits.validationBatch;

  const shapes = graphShapes(graph, opset, { name: input.name, value: { dims: [batch, ...inputDims], type: 'float32' } }, initializerShapes, limits, refuse);

  const outputs = graph.output ?? [];
  for (const output of outputs) {
    const computed = shapes.values.get(output.name);
    if (!computed) refuse(`output ${quote(output.name)} is not computed by any node`);
    const declared = declaredShape(output);
    const matches = !declared || (declared.length === computed.dims.length && declared.every((d, i) => typeof d !== 'number' || d === computed.dims[i]));
    if (!matches) refuse(`output ${quote(output.name)} is declared ${describeShape(declared)} but the graph computes ${formatDims(computed.dims)} for a batch of ${batch} images`);
  }
  const scores = outputs.find((o) => o.name === 'logits') ?? outputs.at(-1);
  const scoresShape = scores ? declaredShape(scores) : undefined;
  if (!scores || scores.type?.tensor_type?.elem_type !== DATA_TYPE_FLOAT || !scoresShape || scoresShape.length !== 2 || typeof scoresShape[1] !== 'number') {
    refuse(`output ${quote(scores?.name ?? '(none)')} is ${describeShape(scoresShape)}; expected float32 [N, classes]`);
  }
  const classes = checkedDimension(scoresShape[1], `output ${quote(scores.name)}`, refuse);
  const computedScores = shapes.values.get(scores.name)!;
  if (computedScores.type !== 'float32' || computedScores.dims[0] !== batch) {
    refuse(`output ${quote(scores.name)} does not give one row of scores per image: the graph computes ${formatDims(computedScores.dims)} ${computedScores.type} for a batch of ${batch} images`);
  }
  const lastOp = graph.node.find((n) => n.output?.includes(scores.name))?.op_type;
  return {
    inputName: input.name,
    inputDims,
    inputSize: features,
    scoresName: scores.name,
    scoresAreProbabilities: lastOp === 'Softmax',
    classes,
    operators,
    producer: shortened([model.producer_name, model.producer_version].filter(Boolean).join(' '), 200) || 'unknown',
    opset,
    fixedBatch,
    checkedBatch: batch,
    metadata: Object.fromEntries((model.metadata_props ?? []).slice(0, MAX_METADATA_ENTRIES).map((p) => [shortened(p.key, 200), shortened(p.value, MAX_METADATA_VALUE)])),
  };
}

