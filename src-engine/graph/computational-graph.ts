import { createTsBackend } from '../backends/ts-backend';
import { AddLayer, ExpLayer, MulLayer, ReciprocalLayer } from '../layers/naive-layers';
import { Relu } from '../layers/relu';
import { Sigmoid } from '../layers/sigmoid';
import { TensorOps } from '../ops';
import { Tensor } from '../tensor';

/**
 * The book's computational graphs (section 5.2-5.4) over scalars, evaluated by the engine's own layers so the
 * Graph view shows exactly the engine's numbers. Pure TypeScript: it runs in the renderer as well.
 */
export type GraphNodeKind = 'input' | 'mul' | 'add' | 'exp' | 'reciprocal' | 'relu' | 'sigmoid';

export interface GraphNode {
  readonly id: string;
  readonly kind: GraphNodeKind;
  readonly label: string;
  /** An input's value (ignored for operations). */
  readonly value?: number;
  /** The ids of the nodes feeding this one: two for mul/add, one for the unary nodes, none for inputs. */
  readonly inputs: readonly string[];
  /** Where the view draws it (graph units). */
  readonly x: number;
  readonly y: number;
}

export interface GraphSpec {
  readonly nodes: readonly GraphNode[];
  /** The node whose value is the result; backward starts there with gradient 1. */
  readonly output: string;
}

export const ARITY: Readonly<Record<GraphNodeKind, number>> = { input: 0, mul: 2, add: 2, exp: 1, reciprocal: 1, relu: 1, sigmoid: 1 };

export const NODE_SYMBOLS: Readonly<Record<GraphNodeKind, string>> = { input: '', mul: '×', add: '+', exp: 'exp', reciprocal: '1/x', relu: 'ReLU', sigmoid: 'σ' };

export class GraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphError';
  }
}

/** An edge is one input slot of a consumer: producer -> consumer.inputs[slot]. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly slot: number;
}

export const edgeKey = (edge: GraphEdge): string => `${edge.from}->${edge.to}#${edge.slot}`;

export function edgesOf(spec: GraphSpec): GraphEdge[] {
  return spec.nodes.flatMap((node) => node.inputs.map((from, slot) => ({ from, to: node.id, slot })));
}

/** Checks the graph and returns its nodes in an order where every node comes after its inputs. */
function topologicalOrder(spec: GraphSpec): GraphNode[] {
  const byId = new Map<string, GraphNode>();
  for (const node of spec.nodes) {
    if (byId.has(node.id)) throw new GraphError(`two nodes are named "${node.id}"`);
    byId.set(node.id, node);
  }
  for (const node of spec.nodes) {
    const arity = ARITY[node.kind];
    if (node.inputs.length !== arity) {
      throw new GraphError(`node "${node.label}" (${node.kind}) has a dangling input: it needs ${arity} input${arity === 1 ? '' : 's'} and has ${node.inputs.length}`);
    }
    for (const input of node.inputs) {
      if (!byId.has(input)) throw new GraphError(`node "${node.label}" has a dangling input: "${input}" is not a node of the graph`);
    }
    if (node.kind === 'input' && !Number.isFinite(node.value)) throw new GraphError(`input "${node.label}" needs a finite number, has ${String(node.value)}`);
  }
  if (!byId.has(spec.output)) throw new GraphError(`the output "${spec.output}" is not a node of the graph`);
  const order: GraphNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: GraphNode): void => {
    const seen = state.get(node.id);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new GraphError(`the graph has a cycle through node "${node.label}"`);
    state.set(node.id, 'visiting');
    for (const input of node.inputs) visit(byId.get(input)!);
    state.set(node.id, 'done');
    order.push(node);
  };
  for (const node of spec.nodes) visit(node);
  return order;
}

interface GraphStep {
  readonly phase: 'forward' | 'backward';
  readonly node: string;
  /** The local rule the node applies, with its numbers. */
  readonly rule: string;
}

export interface GraphEvaluation {
  readonly order: readonly string[];
  /** Each node's output value. */
  readonly values: ReadonlyMap<string, number>;
  /** d(output)/d(node) summed over every path. */
  readonly nodeGradients: ReadonlyMap<string, number>;
  /** The gradient each consumer sends back along each edge. */
  readonly edgeGradients: ReadonlyMap<string, number>;
  readonly steps: readonly GraphStep[];
}

const ops = new TensorOps(createTsBackend());
const scalar = (value: number): Tensor => Tensor.from([value], [1], 'float64');
const show = (value: number): string => String(Number(value.toPrecision(6)));

/** One node as the engine computes it: forward, then backward from its output gradient. */
interface NodeRunner {
  forward(inputs: readonly number[]): number;
  backward(dout: number): number[];
  forwardRule(inputs: readonly number[], out: number): string;
  backwardRule(dout: number, grads: readonly number[], inputs: readonly number[], out: number): string;
}

function runnerFor(kind: Exclude<GraphNodeKind, 'input'>): NodeRunner {
  switch (kind) {
    case 'mul': {
      const layer = new MulLayer(ops);
      return {
        forward: ([a, b]) => layer.forward(a!, b!) as number,
        backward: (dout) => layer.backward(dout) as number[],
        forwardRule: ([a, b], out) => `Mul: ${show(a!)} × ${show(b!)} = ${show(out)}`,
        backwardRule: (dout, [da, db], [a, b]) => `Mul swaps its inputs: ${show(dout)} × ${show(b!)} = ${show(da!)} to the first, ${show(dout)} × ${show(a!)} = ${show(db!)} to the second`,
      };
    }
    case 'add': {
      const layer = new AddLayer(ops);
      return {
        forward: ([a, b]) => layer.forward(a!, b!) as number,
        backward: (dout) => layer.backward(dout) as number[],
        forwardRule: ([a, b], out) => `Add: ${show(a!)} + ${show(b!)} = ${show(out)}`,
        backwardRule: (dout) => `Add passes the gradient through: ${show(dout)} to both inputs`,
      };
    }
    case 'exp': {
      const layer = new ExpLayer();
      return {
        forward: ([a]) => layer.forward(a!) as number,
        backward: (dout) => [layer.backward(dout) as number],
        forwardRule: ([a], out) => `exp(${show(a!)}) = ${show(out)}`,
        backwardRule: (dout, [d], _i, out) => `exp: dout × exp(x) = ${show(dout)} × ${show(out)} = ${show(d!)}`,
      };
    }
    case 'reciprocal': {
      const layer = new ReciprocalLayer();
      return {
        forward: ([a]) => layer.forward(a!) as number,
        backward: (dout) => [layer.backward(dout) as number],
        forwardRule: ([a], out) => `1/${show(a!)} = ${show(out)}`,
        backwardRule: (dout, [d], _i, out) => `1/x: dout × (−y²) = ${show(dout)} × −${show(out)}² = ${show(d!)}`,
      };
    }
    case 'relu':
    case 'sigmoid': {
      const layer = kind === 'relu' ? new Relu(ops) : new Sigmoid(ops);
      return {
        forward: ([a]) => layer.forward(scalar(a!)).data[0]!,
        backward: (dout) => [layer.backward(scalar(dout)).data[0]!],
        forwardRule: ([a], out) => (kind === 'relu' ? `ReLU: max(0, ${show(a!)}) = ${show(out)}` : `Sigmoid: 1/(1+exp(−${show(a!)})) = ${show(out)}`),
        backwardRule: (dout, [d], [a], out) =>
          kind === 'relu'
            ? `ReLU passes the gradient where x > 0 (x = ${show(a!)}): ${show(d!)}`
            : `Sigmoid: dout × y(1−y) = ${show(dout)} × ${show(out)} × ${show(1 - out)} = ${show(d!)}`,
      };
    }
  }
}

/** Forward in topological order, then backward in reverse from gradient 1 at the output. */
export function evaluateGraph(spec: GraphSpec): GraphEvaluation {
  const order = topologicalOrder(spec);
  const values = new Map<string, number>();
  const runners = new Map<string, NodeRunner>();
  const steps: GraphStep[] = [];
  for (const node of order) {
    if (node.kind === 'input') {
      values.set(node.id, node.value!);
      continue;
    }
    const runner = runnerFor(node.kind);
    runners.set(node.id, runner);
    const inputs = node.inputs.map((id) => values.get(id)!);
    const out = runner.forward(inputs);
    values.set(node.id, out);
    steps.push({ phase: 'forward', node: node.id, rule: runner.forwardRule(inputs, out) });
  }
  // Only nodes the output depends on receive a gradient; the rest keep none.
  const nodeGradients = new Map<string, number>([[spec.output, 1]]);
  const edgeGradients = new Map<string, number>();
  for (const node of [...order].reverse()) {
    const dout = nodeGradients.get(node.id);
    const runner = runners.get(node.id);
    if (dout === undefined || !runner) continue;
    const grads = runner.backward(dout);
    node.inputs.forEach((from, slot) => {
      edgeGradients.set(edgeKey({ from, to: node.id, slot }), grads[slot]!);
      nodeGradients.set(from, (nodeGradients.get(from) ?? 0) + grads[slot]!);
    });
    const inputs = node.inputs.map((id) => values.get(id)!);
    steps.push({ phase: 'backward', node: node.id, rule: runner.backwardRule(dout, grads, inputs, values.get(node.id)!) });
  }
  return { order: order.map((n) => n.id), values, nodeGradients, edgeGradients, steps };
}

/**
 * The sigmoid as the book stages it (figure 5-19): x -> ×(−1) -> exp -> +1 -> 1/x -> y, each stage an engine
 * layer, with the local gradient of each stage; their product is y(1−y), the Sigmoid layer's own rule.
 */
export function stagedSigmoid(x: number, dout = 1): {
  readonly stages: ReadonlyArray<{ readonly label: string; readonly value: number; readonly localGradient: number }>;
  readonly y: number;
  readonly chainedGradient: number;
  readonly sigmoidLayerGradient: number;
  readonly yTimesOneMinusY: number;
} {
  const negate = new MulLayer(ops);
  const exp = new ExpLayer();
  const plusOne = new AddLayer(ops);
  const reciprocal = new ReciprocalLayer();
  const a = negate.forward(x, -1) as number;
  const b = exp.forward(a) as number;
  const c = plusOne.forward(b, 1) as number;
  const y = reciprocal.forward(c) as number;
  const dc = reciprocal.backward(dout) as number;
  const [db] = plusOne.backward(dc) as number[];
  const da = exp.backward(db!) as number;
  const [dx] = negate.backward(da) as number[];
  const sigmoid = new Sigmoid(ops);
  sigmoid.forward(scalar(x));
  return {
    stages: [
      { label: '×(−1)', value: a, localGradient: -1 },
      { label: 'exp', value: b, localGradient: b },
      { label: '+1', value: c, localGradient: 1 },
      { label: '1/x', value: y, localGradient: -(y * y) },
    ],
    y,
    chainedGradient: dx!,
    sigmoidLayerGradient: sigmoid.backward(scalar(dout)).data[0]!,
    yTimesOneMinusY: dout * y * (1 - y),
  };
}

const input = (id: string, label: string, value: number, x: number, y: number): GraphNode => ({ id, kind: 'input', label, value, inputs: [], x, y });
const op = (id: string, kind: GraphNodeKind, label: string, inputs: string[], x: number, y: number): GraphNode => ({ id, kind, label, inputs, x, y });

export const GRAPH_PRESETS: ReadonlyArray<{ readonly id: string; readonly label: string; readonly graph: GraphSpec }> = [
  {
    id: 'apples',
    label: 'Apples (100 × 2 × 1.1)',
    graph: {
      output: 'mul_tax',
      nodes: [
        input('apple', 'apple', 100, 0, 0),
        input('apple_num', 'apple_num', 2, 0, 2),
        input('tax', 'tax', 1.1, 2, 3),
        op('mul_apple', 'mul', 'mul_apple_layer', ['apple', 'apple_num'], 2, 1),
        op('mul_tax', 'mul', 'mul_tax_layer', ['mul_apple', 'tax'], 4, 1.5),
      ],
    },
  },
  {
    id: 'apples-oranges',
    label: 'Apples and oranges (100 × 2 + 150 × 3, × 1.1)',
    graph: {
      output: 'mul_tax',
      nodes: [
        input('apple', 'apple', 100, 0, 0),
        input('apple_num', 'apple_num', 2, 0, 1),
        input('orange', 'orange', 150, 0, 2.5),
        input('orange_num', 'orange_num', 3, 0, 3.5),
        input('tax', 'tax', 1.1, 4, 3.5),
        op('mul_apple', 'mul', 'mul_apple_layer', ['apple', 'apple_num'], 2, 0.5),
        op('mul_orange', 'mul', 'mul_orange_layer', ['orange', 'orange_num'], 2, 3),
        op('add', 'add', 'add_apple_orange_layer', ['mul_apple', 'mul_orange'], 4, 1.75),
        op('mul_tax', 'mul', 'mul_tax_layer', ['add', 'tax'], 6, 2.5),
      ],
    },
  },
];
