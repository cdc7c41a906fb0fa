import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { InputSaliency } from '../../src-shared/api';
import { useApi } from '../api/client';
import { latestRequest } from './latest-request';

/** Which class's score the saliency map is for: the predicted one, or a chosen class index. */
export type SaliencyClass = 'predicted' | number;

interface SaliencyRequest {
  readonly runId: string;
  readonly pixels: number[];
  readonly classChoice: SaliencyClass;
}

/**
 * A saliency map: d logit(class) / d pixel of an input through a run. One request is in flight at a time;
 * while it is, only the latest input waits (drawing asks on every stroke, so this bounds the requests
 * without a timer).
 */
function saliencyStore() {
  const classChoice = ref<SaliencyClass>('predicted');
  const requests = latestRequest<SaliencyRequest, InputSaliency>((request) => {
    const classIndex = request.classChoice === 'predicted' ? {} : { classIndex: request.classChoice };
    return useApi().call('inputGradient', { id: request.runId, pixels: request.pixels, ...classIndex });
  }, 'Could not compute the saliency map');
  /** The run and the input the result came from, to tell a stale map from the current one. */
  const computedFor = computed(() => requests.answered.value?.runId);
  const computedInput = computed(() => requests.answered.value?.pixels);

  /** Asks for the map of `pixels` through run `runId` for the chosen class; nothing to ask for clears it. */
  function update(runId: string | undefined, pixels: number[] | undefined): void {
    if (!runId || !pixels) requests.clear();
    else requests.ask({ runId, pixels, classChoice: classChoice.value });
  }

  const { result, pending, error, clear } = requests;
  return { classChoice, result, computedFor, computedInput, pending, error, update, clear };
}

/** Each view that shows a saliency map keeps its own (its input, its chosen class). */
const stores = { draw: defineStore('saliency-draw', saliencyStore), inspect: defineStore('saliency-inspect', saliencyStore) };
export type SaliencyView = keyof typeof stores;

export function useSaliencyStore(view: SaliencyView) {
  return stores[view]();
}
