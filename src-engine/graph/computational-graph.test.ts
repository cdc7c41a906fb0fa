import { describe, expect, it } from 'vitest';
import { edgeKey, evaluateGraph, GRAPH_PRESETS, GraphError, stagedSigmoid, type GraphSpec } from './computational-graph';

const preset = (id: string): GraphSpec => GRAPH_PRESETS.find((p) => p.id === id)!.graph;

describe('computational graphs on the engine layers', () => {
  it('reproduces the book\'s apple and orange numbers exactly (float64)', () => {
    const result = evaluateGraph(preset('apples-oranges'));
    expect(result.values.get('mul_tax')).toBe(715.0000000000001);
    const g = result.nodeGradients;
    expect(g.get('apple')).toBe(2.2);
    expect(g.get('apple_num')).toBe(110.00000000000001);
    expect(g.get('orange')).toBe(3.3000000000000003);
    expect(g.get('orange_num')).toBe(165);
    expect(g.get('tax')).toBe(650);
    // Edge gradients: Add passes 1.1 through to both of its inputs.
    expect(result.edgeGradients.get(edgeKey({ from: 'mul_apple', to: 'add', slot: 0 }))).toBe(1.1);
    expect(result.edgeGradients.get(edgeKey({ from: 'mul_orange', to: 'add', slot: 1 }))).toBe(1.1);
  });

  it('apples only: 220, dApple 2.2, dApple_num 110, dTax 200', () => {
    const result = evaluateGraph(preset('apples'));
    expect(result.values.get('mul_tax')).toBe(220.00000000000003);
    expect(result.nodeGradients.get('apple')).toBe(2.2);
    expect(result.nodeGradients.get('apple_num')).toBe(110.00000000000001);
    expect(result.nodeGradients.get('tax')).toBe(200);
  });

  it('walks forward in topological order, then backward in reverse, naming each local rule', () => {
    const { steps } = evaluateGraph(preset('apples-oranges'));
    expect(steps.map((s) => `${s.phase[0]}:${s.node}`)).toEqual([
      'f:mul_apple', 'f:mul_orange', 'f:add', 'f:mul_tax', 'b:mul_tax', 'b:add', 'b:mul_orange', 'b:mul_apple',
    ]);
    expect(steps.find((s) => s.phase === 'backward' && s.node === 'add')!.rule).toMatch(/^Add passes the gradient through/);
    expect(steps.find((s) => s.phase === 'backward' && s.node === 'mul_tax')!.rule).toMatch(/^Mul swaps its inputs/);
  });

  it('sums gradients over every path of a node used twice', () => {
    const graph: GraphSpec = {
      output: 'sq',
      nodes: [
        { id: 'x', kind: 'input', label: 'x', value: 3, inputs: [], x: 0, y: 0 },
        { id: 'sq', kind: 'mul', label: 'x·x', inputs: ['x', 'x'], x: 1, y: 0 },
      ],
    };
    expect(evaluateGraph(graph).nodeGradients.get('x')).toBe(6);
  });

  it('the staged sigmoid collapses to y(1 − y), the Sigmoid layer\'s own gradient', () => {
    for (const x of [-3, 0, 0.5, 4]) {
      const s = stagedSigmoid(x);
      expect(s.y).toBeCloseTo(1 / (1 + Math.exp(-x)), 15);
      // Four float64 products in a different order: equal to a few ulps.
      expect(s.chainedGradient).toBeCloseTo(s.yTimesOneMinusY, 14);
      expect(s.sigmoidLayerGradient).toBeCloseTo(s.yTimesOneMinusY, 14);
    }
  });

  it('refuses a cycle and a dangling input, naming the node', () => {
    const base = preset('apples');
    const cyclic: GraphSpec = { ...base, nodes: base.nodes.map((n) => (n.id === 'mul_apple' ? { ...n, inputs: ['mul_tax', 'apple_num'] } : n)) };
    expect(() => evaluateGraph(cyclic)).toThrow(new GraphError('the graph has a cycle through node "mul_apple_layer"'));
    const dangling: GraphSpec = { ...base, nodes: base.nodes.map((n) => (n.id === 'mul_tax' ? { ...n, inputs: ['mul_apple'] } : n)) };
    expect(() => evaluateGraph(dangling)).toThrow('node "mul_tax_layer" (mul) has a dangling input: it needs 2 inputs and has 1');
    const missing: GraphSpec = { ...base, nodes: base.nodes.map((n) => (n.id === 'mul_tax' ? { ...n, inputs: ['mul_apple', 'gone'] } : n)) };
    expect(() => evaluateGraph(missing)).toThrow('node "mul_tax_layer" has a dangling input: "gone" is not a node of the graph');
  });
});
