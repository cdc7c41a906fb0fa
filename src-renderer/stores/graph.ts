import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { LayerTrace } from '../../src-shared/api';
import {
  ARITY,
  evaluateGraph,
  GRAPH_PRESETS,
  GraphError,
  type GraphEvaluation,
  type GraphNode,
  type GraphNodeKind,
  type GraphSpec,
} from '../../src-engine/graph/computational-graph';
import { LAYER_GRAPH_BATCH } from '../../src-shared/limits';
import { errorMessage, useApi } from '../api/client';
import { useConfigStore } from './config';

/** The largest |value| an input takes: products of a few such stay far from float64's limit. */
export const MAX_NODE_VALUE = 1e9;

/** The first node whose value or gradient is not finite, said in words; undefined when all are. */
function overflowIn(result: GraphEvaluation, spec: GraphSpec): string | undefined {
  const label = (id: string): string => spec.nodes.find((n) => n.id === id)?.label ?? id;
  for (const [id, value] of result.values) if (!Number.isFinite(value)) return `${label(id)} overflows float64 (its value is ${value}): use smaller inputs`;
  for (const [id, gradient] of result.nodeGradients) if (!Number.isFinite(gradient)) return `the gradient at ${label(id)} overflows float64 (${gradient}): use smaller inputs`;
  return undefined;
}

/**
 * The Graph view: a computational graph the user edits, evaluated by the engine's own layers, shown
 * all at once (Forward, Backward) or one node at a time (Step); and the selected network's layer graph.
 */
export const useGraphStore = defineStore('graph', () => {
  const mode = ref<'computational' | 'layers'>('computational');
  const presetId = ref(GRAPH_PRESETS[1]!.id);
  const graph = ref<GraphSpec>(structuredClone(GRAPH_PRESETS[1]!.graph) as GraphSpec);
  /** How much of the evaluation is shown: none, forward only, or forward and backward. */
  const shown = ref<'none' | 'forward' | 'backward'>('none');
  /** While stepping: how many steps are shown (undefined when not stepping). */
  const stepIndex = ref<number | undefined>();
  const evaluation = shallowRef<GraphEvaluation | undefined>();
  const error = ref<string | undefined>();
  const selected = ref<string | undefined>();

  function loadPreset(id: string): void {
    const preset = GRAPH_PRESETS.find((p) => p.id === id);
    if (!preset) return;
    presetId.value = id;
    graph.value = structuredClone(preset.graph) as GraphSpec;
    reset();
  }

  function reset(): void {
    shown.value = 'none';
    stepIndex.value = undefined;
    evaluation.value = undefined;
    error.value = undefined;
  }

  /**
   * Evaluates with the engine's layers; a cycle or a dangling input is refused with the node named, and so is
   * a value or gradient that overflows float64 (exp of a large input), rather than drawn as Infinity or NaN.
   */
  function evaluate(): GraphEvaluation | undefined {
    try {
      const result = evaluateGraph(graph.value);
      const overflow = overflowIn(result, graph.value);
      if (overflow) throw new GraphError(overflow);
      evaluation.value = result;
      error.value = undefined;
      return evaluation.value;
    } catch (e) {
      evaluation.value = undefined;
      shown.value = 'none';
      stepIndex.value = undefined;
      error.value = e instanceof GraphError ? `Graph refused: ${e.message}` : errorMessage(e);
      return undefined;
    }
  }

  function forward(): void {
    stepIndex.value = undefined;
    if (evaluate()) shown.value = 'forward';
  }

  function backward(): void {
    stepIndex.value = undefined;
    if (evaluate()) shown.value = 'backward';
  }

  /** One more node: the forward pass node by node, then the backward pass in reverse. */
  function step(): void {
    if (stepIndex.value === undefined || !evaluation.value) {
      if (!evaluate()) return;
      stepIndex.value = 0;
      shown.value = 'forward';
    }
    const steps = evaluation.value!.steps;
    stepIndex.value = Math.min(stepIndex.value + 1, steps.length);
    const current = steps[stepIndex.value - 1];
    shown.value = current?.phase === 'backward' ? 'backward' : 'forward';
  }

  const currentStep = computed(() => (stepIndex.value && evaluation.value ? evaluation.value.steps[stepIndex.value - 1] : undefined));
  const stepsDone = computed(() => stepIndex.value !== undefined && evaluation.value !== undefined && stepIndex.value >= evaluation.value.steps.length);

  /** Nodes whose value is on screen: inputs always, operations once computed. */
  const visibleValues = computed(() => {
    const result = new Set<string>();
    const e = evaluation.value;
    if (!e || shown.value === 'none') return result;
    for (const node of graph.value.nodes) if (node.kind === 'input') result.add(node.id);
    const steps = stepIndex.value === undefined ? e.steps : e.steps.slice(0, stepIndex.value);
    for (const s of steps) if (s.phase === 'forward') result.add(s.node);
    if (stepIndex.value === undefined || steps.some((s) => s.phase === 'backward')) for (const id of e.order) result.add(id);
    return result;
  });

  /** Consumers whose backward step is on screen (their input edges show gradients). */
  const visibleGradients = computed(() => {
    const result = new Set<string>();
    const e = evaluation.value;
    if (!e || shown.value !== 'backward') return result;
    const steps = stepIndex.value === undefined ? e.steps : e.steps.slice(0, stepIndex.value);
    for (const s of steps) if (s.phase === 'backward') result.add(s.node);
    return result;
  });

  function edit(mutator: (nodes: GraphNode[]) => GraphNode[]): void {
    graph.value = { ...graph.value, nodes: mutator([...graph.value.nodes]) };
    reset();
  }

  /** An input's value; not a finite number (or beyond ±MAX_NODE_VALUE) is refused, the graph unchanged. */
  function setValue(id: string, value: number): void {
    if (!Number.isFinite(value) || Math.abs(value) > MAX_NODE_VALUE) throw new RangeError(`an input's value must be a number within ±${MAX_NODE_VALUE}, got ${value}`);
    edit((nodes) => nodes.map((n) => (n.id === id ? { ...n, value } : n)));
  }

  function setInput(id: string, slot: number, from: string): void {
    edit((nodes) =>
      nodes.map((n) => {
        if (n.id !== id) return n;
        const inputs = [...n.inputs];
        inputs[slot] = from;
        return { ...n, inputs: inputs.filter((x) => x !== undefined && x !== '') };
      }),
    );
  }

  function addNode(kind: GraphNodeKind): string {
    const nodes = graph.value.nodes;
    let n = nodes.length + 1;
    while (nodes.some((x) => x.id === `${kind}${n}`)) n++;
    const id = `${kind}${n}`;
    const right = Math.max(0, ...nodes.map((x) => x.x)) + 2;
    // A new operation takes the current output as its first input, so "add a node" extends the graph.
    const inputs = ARITY[kind] === 0 ? [] : [graph.value.output, ...(ARITY[kind] === 2 ? [nodes.find((x) => x.kind === 'input')?.id ?? graph.value.output] : [])];
    const node: GraphNode = { id, kind, label: kind === 'input' ? `x${n}` : id, inputs, x: kind === 'input' ? right - 1 : right, y: kind === 'input' ? 4 : 1.5, ...(kind === 'input' ? { value: 1 } : {}) };
    edit((list) => [...list, node]);
    if (kind !== 'input') graph.value = { ...graph.value, output: id };
    selected.value = id;
    return id;
  }

  function removeNode(id: string): void {
    // Consumers of the removed node keep a dangling input: evaluation then names them until reconnected.
    edit((nodes) => nodes.filter((n) => n.id !== id).map((n) => ({ ...n, inputs: n.inputs.filter((x) => x !== id) })));
    if (graph.value.output === id) graph.value = { ...graph.value, output: graph.value.nodes.at(-1)?.id ?? '' };
    if (selected.value === id) selected.value = undefined;
  }

  function setOutput(id: string): void {
    graph.value = { ...graph.value, output: id };
    reset();
  }

  // --- the network's layer graph --------------------------------------------------------------------
  const trace = shallowRef<LayerTrace | undefined>();
  const tracing = ref(false);
  const traceError = ref<string | undefined>();
  const traceBatch = ref<number>(LAYER_GRAPH_BATCH.default);

  async function traceNetwork(): Promise<void> {
    const config = useConfigStore().config;
    if (!config) {
      traceError.value = 'The network config has errors: fix them in the Network view first.';
      return;
    }
    tracing.value = true;
    traceError.value = undefined;
    try {
      trace.value = await useApi().call('layerGraph', { config, batchSize: traceBatch.value });
    } catch (e) {
      traceError.value = errorMessage(e);
    } finally {
      tracing.value = false;
    }
  }

  return {
    mode,
    presetId,
    graph,
    shown,
    stepIndex,
    evaluation,
    error,
    selected,
    currentStep,
    stepsDone,
    visibleValues,
    visibleGradients,
    loadPreset,
    reset,
    forward,
    backward,
    step,
    setValue,
    setInput,
    addNode,
    removeNode,
    setOutput,
    trace,
    tracing,
    traceError,
    traceBatch,
    traceNetwork,
  };
});
