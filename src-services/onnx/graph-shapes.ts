import type { OnnxAttribute, OnnxGraph } from './onnx-schema';
import { formatBytes, formatDims, quote, type Refuse } from './model-error';
import type { CheckedInitializer } from './model-checks';
import { OPERATORS } from './onnx-operators';
import { elements, type TensorValue } from './operator-call';

export interface GraphBudget {
  readonly maxRank: number;
  readonly maxTensorBytes: number;
  readonly maxActivationBytes: number;
  readonly maxMultiplyAdds: number;
}

export interface GraphShapes {
  /** Every value: the graph input, the initializers and what each node computes, at the batch checked. */
  readonly values: ReadonlyMap<string, TensorValue>;
  readonly activationBytes: number;
  readonly multiplyAdds: number;
}

const bytesOf = (value: TensorValue): number => elements(value.dims) * (value.type === 'bool' ? 1 : value.type === 'int64' ? 8 : 4);

/**
 * Computes the shape of every tensor the graph makes for one batch (the input's dimensions given), in
 * dependency order, before onnxruntime allocates any of them, and refuses the graph when a tensor, all of
 * them together, or the multiply-adds go over the budget; also when a node reads a value nothing gives,
 * writes a name twice, or the nodes form a cycle.
 */
export function graphShapes(graph: OnnxGraph, opset: number, input: { name: string; value: TensorValue }, initializers: ReadonlyMap<string, CheckedInitializer>, budget: GraphBudget, refuse: Refuse): GraphShapes {
  const batch = input.value.dims[0]!;
  const forBatch = `for a batch of ${batch} image${batch === 1 ? '' : 's'}`;
  // (the input's own size is checked too: it is fed at that batch)
  const values = new Map<string, TensorValue>();
  /** `what` says where the tensor comes from: "node "x" (Mul) would compute "y"", or "input "x" is". */
  const checkSize = (what: string, value: TensorValue): number => {
    if (value.dims.length > budget.maxRank) refuse(`${what} with ${value.dims.length} dimensions, more than ${budget.maxRank}`);
    const bytes = bytesOf(value);
    if (bytes > budget.maxTensorBytes) {
      refuse(`${what} ${formatDims(value.dims)} ${value.type} = ${formatBytes(bytes)} ${forBatch}, over the ${formatBytes(budget.maxTensorBytes)} this app allows one tensor`);
    }
    return bytes;
  };
  checkSize(`input ${quote(input.name)} is`, input.value);
  values.set(input.name, input.value);
  for (const [name, { dims, type }] of initializers) values.set(name, { dims, type });

  const nodes = graph.node ?? [];
  const producer = new Map<string, number>();
  nodes.forEach((node, index) => {
    const label = `node ${quote(node.name || `#${index + 1}`)} (${node.op_type})`;
    (node.output ?? []).forEach((name, position) => {
      if (!name) {
        if (position === 0) refuse(`${label} has an unnamed first output`);
        return;
      }
      if (values.has(name) || producer.has(name)) refuse(`${label} writes ${quote(name)}, which is already ${producer.has(name) ? 'written by another node' : 'an input or initializer'}`);
      producer.set(name, index);
    });
  });
  // Kahn's algorithm: a node runs once every value it reads exists; what never runs is on a cycle.
  const waitingOn = nodes.map((node, index) => {
    const label = `node ${quote(node.name || `#${index + 1}`)} (${node.op_type})`;
    const needs = new Set<string>();
    for (const name of node.input ?? []) {
      if (!name || values.has(name)) continue;
      if (!producer.has(name)) refuse(`${label} reads ${quote(name)}, which no node, input or initializer gives`);
      needs.add(name);
    }
    return needs;
  });
  const readers = new Map<string, number[]>();
  waitingOn.forEach((needs, index) =>
    needs.forEach((name) => {
      const list = readers.get(name);
      if (list) list.push(index);
      else readers.set(name, [index]);
    }),
  );
  const ready = waitingOn.flatMap((needs, index) => (needs.size === 0 ? [index] : []));
  let activationBytes = 0;
  let multiplyAdds = 0;
  let done = 0;
  while (done < ready.length) {
    const index = ready[done++]!;
    const node = nodes[index]!;
    const label = `node ${quote(node.name || `#${index + 1}`)} (${node.op_type})`;
    const operator = OPERATORS[node.op_type]!;
    const inputNames = node.input ?? [];
    const outputNames = node.output ?? [];
    if (inputNames.length < operator.inputs[0] || inputNames.length > operator.inputs[1]) refuse(`${label} has ${inputNames.length} inputs; ${node.op_type} takes ${operator.inputs.join(' to ')}`);
    if (outputNames.length < operator.outputs[0] || outputNames.length > operator.outputs[1]) refuse(`${label} has ${outputNames.length} outputs; ${node.op_type} gives ${operator.outputs.join(' to ')}`);
    const attributes = new Map<string, OnnxAttribute>();
    for (const attribute of node.attribute ?? []) {
      const type = operator.attributes[attribute.name];
      if (type === undefined) refuse(`${label} has an attribute ${quote(attribute.name)} that ${node.op_type} does not take`);
      if (attribute.type !== type) refuse(`${label} has attribute ${quote(attribute.name)} of type ${attribute.type ?? 0}; ${node.op_type} takes type ${type}`);
      if (attributes.has(attribute.name)) refuse(`${label} has attribute ${quote(attribute.name)} twice`);
      attributes.set(attribute.name, attribute);
    }
    const result = operator.infer({
      label,
      opset,
      inputs: inputNames.map((name) => (name ? values.get(name) : undefined)),
      inputNames,
      outputCount: outputNames.length,
      attributes,
      isInitializer: (name) => initializers.has(name),
      constant: (name) => initializers.get(name)?.values,
      refuse,
    });
    outputNames.forEach((name, position) => {
      const value = result.outputs[position];
      if (!name || !value) return;
      activationBytes += checkSize(`${label} would compute ${quote(name)} of`, value);
      values.set(name, value);
      for (const reader of readers.get(name) ?? []) {
        waitingOn[reader]!.delete(name);
        if (waitingOn[reader]!.size === 0) ready.push(reader);
      }
    });
    if (activationBytes > budget.maxActivationBytes) {
      refuse(`its tensors would take ${formatBytes(activationBytes)} together ${forBatch} (at ${label}), over the ${formatBytes(budget.maxActivationBytes)} this app allows`);
    }
    multiplyAdds += result.multiplyAdds;
    if (multiplyAdds > budget.maxMultiplyAdds) {
      refuse(`it would need over ${multiplyAdds.toExponential(1)} multiply-adds ${forBatch} (at ${label}), more than the ${budget.maxMultiplyAdds.toExponential(1)} this app runs`);
    }
  }
  if (done < nodes.length) {
    const stuck = waitingOn.flatMap((needs, index) => (needs.size > 0 ? [quote(nodes[index]!.name || `#${index + 1}`)] : []));
    refuse(`its graph has a cycle: node${stuck.length > 1 ? 's' : ''} ${stuck.slice(0, 5).join(', ')}${stuck.length > 5 ? ', ...' : ''} wait on each other`);
  }
  return { values, activationBytes, multiplyAdds };
}
