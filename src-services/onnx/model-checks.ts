import { DATA_LOCATION_EXTERNAL, DATA_TYPE_FLOAT, int64, type Int64, type OnnxGraph, type OnnxModel, type OnnxTensor, type OnnxValueInfo } from './onnx-schema';
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
  if (kinds.length) refuse(`${quote(info.name)} is a ${kinds[0]!.replace('_type', '').replace('_', ' ')}, not a tensor: this app runs MLPs on plain tensors`);
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
      if (attribute.s !== undefined || present(attribute.strings)) refuse(`${what} holds text: the operators this app runs take only numbers as attributes`);
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

/**
 * Checks every initializer: a unique name, float32, at most maxRank positive dimensions, and exactly as many
 * values stored in the file as its dimensions say (so its size is bounded by the file's). Returns their shapes.
 */
export function checkedInitializers(graph: OnnxGraph, maxRank: number, refuse: Refuse): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const tensor of graph.initializer ?? []) {
    const what = `initializer ${quote(tensor.name)}`;
    if (!tensor.name) refuse('an initializer has no name');
    if (shapes.has(tensor.name)) refuse(`${what} is defined twice`);
    if ((tensor.data_type ?? 0) !== DATA_TYPE_FLOAT) refuse(`${what} has element type ${tensor.data_type ?? 0}; this app reads float32 weights (type 1)`);
    const rawDims = tensor.dims ?? [];
    if (rawDims.length > maxRank) refuse(`${what} has ${rawDims.length} dimensions, more than ${maxRank}`);
    const dims = rawDims.map((d) => checkedDimension(d, what, refuse));
    const count = dims.reduce((a, b) => a * b, 1);
    const stored = tensor.raw_data?.length ? tensor.raw_data.length / 4 : (tensor.float_data?.length ?? 0);
    if (present(tensor.int32_data) || present(tensor.int64_data) || present(tensor.double_data) || present(tensor.uint64_data) || present(tensor.string_data) || tensor.segment !== undefined) {
      refuse(`${what} stores its values in a form this app does not read (only raw_data or float_data)`);
    }
    if (stored !== count) {
      refuse(`${what} is declared [${dims.join(', ')}] (${formatBytes(count * 4)}) but the file holds ${Number.isInteger(stored) ? `${stored} values` : `${tensor.raw_data?.length} bytes`} for it`);
    }
    shapes.set(tensor.name, dims);
  }
  return shapes;
}
