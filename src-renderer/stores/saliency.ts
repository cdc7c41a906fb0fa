import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { InputSaliency } from '../../src-shared/api';
import { errorMessage, useApi } from '../api/client';

/** Which class's score the saliency map is for: the predicted one, or a chosen class index. */
export type SaliencyClass = 'predicted' | number;

interface SaliencyRequest {
  readonly runId: string;
  readonly pixels: number[];
  readonly classChoice: SaliencyClass;
}

/**
 * The Draw view's saliency map: d logit(class) / d pixel of the current input through the chosen run.
 * One request is in flight at a time; while it is, only the latest input waits (drawing asks on every
 * stroke, so this bounds the requests without a timer).
 */
export const useSaliencyStore = defineStore('saliency', () => {
  const classChoice = ref<SaliencyClass>('predicted');
  const result = shallowRef<InputSaliency | undefined>();
  /** The run the result came from, to tell a stale map from the current one. */
  const computedFor = ref<string | undefined>();
  const pending = ref(false);
  const error = ref<string | undefined>();
  let waiting: SaliencyRequest | undefined;
  let inFlight = false;
  /** Bumped by clear: answers to older requests are dropped. */
  let epoch = 0;

  /** Asks for the map of `pixels` through run `runId` for the chosen class; nothing to ask for clears it. */
  function update(runId: string | undefined, pixels: number[] | undefined): void {
    if (!runId || !pixels) {
      clear();
      return;
    }
    waiting = { runId, pixels, classChoice: classChoice.value };
    if (!inFlight) void drain();
  }

  async function drain(): Promise<void> {
    inFlight = true;
    pending.value = true;
    while (waiting) {
      const request = waiting;
      waiting = undefined;
      const started = epoch;
      const classIndex = request.classChoice === 'predicted' ? {} : { classIndex: request.classChoice };
      try {
        const answer = await useApi().call('inputGradient', { id: request.runId, pixels: request.pixels, ...classIndex });
        if (started === epoch) {
          result.value = answer;
          computedFor.value = request.runId;
          error.value = undefined;
        }
      } catch (e) {
        if (started === epoch) {
          result.value = undefined;
          error.value = `Could not compute the saliency map: ${errorMessage(e)}`;
        }
      }
    }
    inFlight = false;
    pending.value = false;
  }

  /** Forgets the map and any waiting request (one in flight is answered into the void). */
  function clear(): void {
    epoch++;
    waiting = undefined;
    result.value = undefined;
    computedFor.value = undefined;
    error.value = undefined;
  }

  return { classChoice, result, computedFor, pending, error, update, clear };
});
