import { defineStore } from 'pinia';
import { computed } from 'vue';
import type { InsideInput } from '../../src-shared/api';
import { useApi } from '../api/client';
import { latestRequest } from './latest-request';

/** What to look inside: a drawn image (what the network sees, in [0, 1]) or a test image of the run's dataset. */
export type InsideSource = { readonly pixels: number[] } | { readonly testIndex: number };

interface InsideRequest {
  readonly runId: string;
  readonly source: InsideSource;
}

/**
 * "Inside one input": every layer's output for one input through a run's network. One request in flight; while
 * it is, only the latest input waits (the Draw view asks on every stroke).
 */
function insideInputStore() {
  const requests = latestRequest<InsideRequest, InsideInput>(
    ({ runId, source }) => useApi().call('inputActivations', { id: runId, ...source }),
    'Could not look inside this input',
  );
  /** The run the result came from, to tell a stale answer from the current one. */
  const computedFor = computed(() => requests.answered.value?.runId);

  /** Asks for the layers of `source` through run `runId`; nothing to ask for clears them. */
  function update(runId: string | undefined, source: InsideSource | undefined): void {
    if (!runId || !source) requests.clear();
    else requests.ask({ runId, source });
  }

  const { result, pending, error } = requests;
  return { result, computedFor, pending, error, update };
}

/** The Draw view's (the drawing) and the Inspect view's (a test image), each its own. */
const stores = { draw: defineStore('inside-input-draw', insideInputStore), inspect: defineStore('inside-input-inspect', insideInputStore) };
export type InsideView = keyof typeof stores;

export function useInsideInputStore(view: InsideView) {
  return stores[view]();
}
