import { DATA_LOCATION_EXTERNAL, DATA_TYPE_FLOAT, DATA_TYPE_INT64, int64, type Int64, type OnnxGraph, type OnnxModel, type OnnxTensor, type OnnxValueInfo } from './onnx-schema';
import { formatBytes, quote, type Refuse } from './model-error';

const present = (value: { length: number } | undefined | null): boolean => value !== undefined && value !== null && value.length > 0;

function refuseExternalData(tensor: OnnxTensor, what: string, refuse: Refuse): void {
  if (present(tensor.external_data) || tensor.data_location === DATA_LOCATION_EXTERNAL) {
    const location = tensor.external_data?.find((entry) => entry.key === 'location')?.value;
    refuse(`${what} keeps its values in another file${location === undefined ? '' : ` (${quote(location)})`}: external data is refused, a model must hold all its weights itself`);
  }
}

function refuseNonTensorType(info: OnnxValueInfo, refuse: Refuse): void {
  const type = info.type;
  if (!type) return;
  const kinds = (['sequence_type', 'map_type', 'opaque_type', 'sparse_tensor_type', 'optional_type'] as const).filter((k) => type[k] !== undefined);
  if (kinds.length) refuse(`${quote(info.name)} is a ${kinds[0]!.replace('_type', '').replace('_', ' ')}, not a tensor: this app runs networks on plain tensors`);
}

/**
 * Refuses what the checks after this cannot vouch for: external data in any tensor (initializers and
 * attribute tensors alike), model-local functions, training info, sparse initializers, graph or tensor
 * attributes, and non-tensor values. After this, everything onnxruntime reads is in the decoded model.
 */
export function refuseUncheckedFeatures(model: OnnxModel, refuse: Refuse): void {
  if (present(model.functions)) refuse('it defines model-local functions, which this app does not run');
  if (present(model.training_info)) refuse('it carries training information, which this app does not run');
  if (present(model.configuration)) refuse('it carries device configurations, which this app does not use');
  const graph = model.graph;
  if (!graph) return;
  (graph.initializer ?? []).forEach((tensor) => refuseExternalData(tensor, `initializer ${quote(tensor.name)}`, refuse));
  if (present(graph.sparse_initializer)) refuse('it has sparse initializers, which this app does not read');
  for (const node of graph.node ?? []) {
    const label = `node ${quote(node.name || node.op_type)}`;
    if (node.overload) refuse(`${label} names a function overload, which this app does not run`);
    if (present(node.device_configurations)) refuse(`${label} carries device configurations, which this app does not use`);
    for (const attribute of node.attribute ?? []) {
      const what = `attribute ${quote(attribute.name)} of ${label}`;
      if (attribute.t) refuseExternalData(attribute.t, `the tensor in ${what}`, refuse);
      (attribute.tensors ?? []).forEach((tensor) => refuseExternalData(tensor, `a tensor in ${what}`, refuse));
      if (attribute.t || present(attribute.tensors)) refuse(`${what} holds a tensor: the operators this app runs take only numbers as attributes`);
      if (attribute.g !== undefined || present(attribute.graphs)) refuse(`${what} holds a subgraph: the operators this app runs take only numbers as attributes`);
      if (attribute.sparse_tensor !== undefined || present(attribute.sparse_tensors) || attribute.tp !== undefined || present(attribute.type_protos)) {
        refuse(`${what} holds a sparse tensor or a type: the operators this app runs take only numbers as attributes`);
      }
      // The one text attribute read: Conv's and MaxPool's auto_pad, whose value the operator checks (only NOTSET runs).
      if ((attribute.s !== undefined && attribute.name !== 'auto_pad') || present(attribute.strings)) refuse(`${what} holds text: the operators this app runs take only numbers as attributes (and auto_pad)`);
      if (attribute.ref_attr_name) refuse(`${what} refers to a function's attribute, which this app does not run`);
    }
  }
  for (const info of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.value_info ?? [])]) refuseNonTensorType(info, refuse);
}

/** A dimension read from the file: a positive integer, or the reason it is not one. */
export function checkedDimension(value: Int64 | undefined, where: string, refuse: Refuse): number {
  const n = int64(value);
  if (!Number.isSafeInteger(n)) refuse(`${where} has a dimension of ${n}, too large to be a size`);
  if (n < 0) refuse(`${where} has a negative dimension (${n})`);
  if (n === 0) refuse(`${where} has a dimension of 0: an empty tensor is not a layer`);
  return n;
}

/** An initializer as the shape checks see it; an int64 one (a Reshape's target shape) with its values. */
export interface CheckedInitializer {
  readonly dims: number[];
  readonly type: 'float32' | 'int64';
  readonly values?: readonly number[];
}

/** int64 initializers are read only as Reshape targets: one short vector each. */
const MAX_INT64_VALUES = 8;

/** The values of an int64 vector of `count` entries, stored as raw_data (little-endian) or int64_data. */
function int64Values(tensor: OnnxTensor, count: number, what: string, refuse: Refuse): number[] {
  if (present(tensor.float_data) || present(tensor.int32_data) || present(tensor.double_data) || present(tensor.uint64_data) || present(tensor.string_data) || tensor.segment !== undefined) {
    refuse(`${what} stores its values in a form this app does not read (only raw_data or int64_data)`);
  }
  let values: number[];
  if (tensor.raw_data?.length) {
    if (tensor.raw_data.length !== count * 8) refuse(`${what} is declared with ${count} int64 values but the file holds ${tensor.raw_data.length} bytes for it`);
    const view = new DataView(tensor.raw_data.buffer, tensor.raw_data.byteOffset, tensor.raw_data.byteLength);
    values = Array.from({ length: count }, (_, i) => {
      const value = view.getBigInt64(i * 8, true);
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : Number.NaN;
    });
  } else {
    values = (tensor.int64_data ?? []).map((v) => int64(v));
    if (values.length !== count) refuse(`${what} is declared with ${count} int64 values but the file holds ${values.length} for it`);
  }
  if (!values.every(Number.isSafeInteger)) refuse(`${what} holds an int64 value too large to be a size`);
  return values;
}

/**
 * Checks every initializer: a unique name, at most maxRank positive dimensions, and exactly as many values
 * stored in the file as its dimensions say (so its size is bounded by the file's). float32 ones are weights;
 * int64 ones are read (a vector of at most MAX_INT64_VALUES: a Reshape's target). Returns them by name.
 */
export function checkedInitializers(graph: OnnxGraph, maxRank: number, refuse: Refuse): Map<string, CheckedInitializer> {
  const checked = new Map<string, CheckedInitializer>();
  for (const tensor of graph.initializer ?? []) {
    const what = `initializer ${quote(tensor.name)}`;
    if (!tensor.name) refuse('an initializer has no name');
    if (checked.has(tensor.name)) refuse(`${what} is defined twice`);
    const dataType = tensor.data_type ?? 0;
    if (dataType !== DATA_TYPE_FLOAT && dataType !== DATA_TYPE_INT64) refuse(`${what} has element type ${dataType}; this app reads float32 weights (type 1) and int64 shapes (type 7)`);
    const rawDims = tensor.dims ?? [];
    if (rawDims.length > maxRank) refuse(`${what} has ${rawDims.length} dimensions, more than ${maxRank}`);
    const dims = rawDims.map((d) => checkedDimension(d, what, refuse));
    const count = dims.reduce((a, b) => a * b, 1);
    if (dataType === DATA_TYPE_INT64) {
      if (dims.length !== 1 || count > MAX_INT64_VALUES) refuse(`${what} is an int64 tensor of [${dims.join(', ')}]; this app reads int64 only as a shape, a vector of at most ${MAX_INT64_VALUES} values`);
      checked.set(tensor.name, { dims, type: 'int64', values: int64Values(tensor, count, what, refuse) });
      continue;
    }
    const stored = tensor.raw_data?.length ? tensor.raw_data.length / 4 : (tensor.float_data?.length ?? 0);
    if (present(tensor.int32_data) || present(tensor.int64_data) || present(tensor.double_data) || present(tensor.uint64_data) || present(tensor.string_data) || tensor.segment !== undefined) {
      refuse(`${what} stores its values in a form this app does not read (only raw_data or float_data)`);
    }
    if (stored !== count) {
      refuse(`${what} is declared [${dims.join(', ')}] (${formatBytes(count * 4)}) but the file holds ${Number.isInteger(stored) ? `${stored} values` : `${tensor.raw_data?.length} bytes`} for it`);
    }
    checked.set(tensor.name, { dims, type: 'float32' });
  }
  return checked;
}
