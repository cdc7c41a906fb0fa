import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_NODE_VALUE, useGraphStore } from './graph';

describe('the Graph store refuses what float64 cannot hold', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('an input outside ±MAX_NODE_VALUE or not finite is refused and the graph stays as it was', () => {
    const store = useGraphStore();
    store.loadPreset('apples');
    const before = JSON.stringify(store.graph);
    const input = store.graph.nodes.find((n) => n.kind === 'input')!;
    expect(() => store.setValue(input.id, Number.NaN)).toThrow(RangeError);
    expect(() => store.setValue(input.id, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => store.setValue(input.id, MAX_NODE_VALUE * 10)).toThrow(/within ±1000000000/);
    expect(JSON.stringify(store.graph)).toBe(before);
    store.setValue(input.id, -MAX_NODE_VALUE);
    expect(store.graph.nodes.find((n) => n.id === input.id)!.value).toBe(-MAX_NODE_VALUE);
  });

  it('an exp that overflows is named, not drawn as Infinity', () => {
    const store = useGraphStore();
    store.loadPreset('apples');
    const input = store.graph.nodes.find((n) => n.kind === 'input')!;
    store.setValue(input.id, 1000);
    const exp = store.addNode('exp');
    store.forward();
    expect(store.evaluation).toBeUndefined();
    expect(store.error).toMatch(new RegExp(`^Graph refused: ${exp} overflows float64 \\(its value is Infinity\\): use smaller inputs$`));
    // Smaller inputs evaluate again.
    store.setValue(input.id, 1);
    store.forward();
    expect(store.error).toBeUndefined();
    expect(Number.isFinite(store.evaluation!.values.get(exp)!)).toBe(true);
  });
});
