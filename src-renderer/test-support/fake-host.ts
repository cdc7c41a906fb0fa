import { nextTick } from 'vue';
import type { ApiEnvelope } from '../../src-shared/api';
import { ApiClient, setApiClient } from '../api/client';

/** One request the page made, waiting for the answer the test gives with `resolve`. */
export interface HostCall {
  method: string;
  params: Record<string, unknown>;
  resolve: (envelope: ApiEnvelope) => void;
}

/** Installs a host whose answers the test gives by hand, in any order; returns the requests as they come. */
export function fakeHost(): HostCall[] {
  const calls: HostCall[] = [];
  setApiClient(
    new ApiClient({
      mode: 'web',
      invoke: (method, params) => new Promise<ApiEnvelope>((resolve) => calls.push({ method, params: params as Record<string, unknown>, resolve })),
      onEvent: () => () => undefined,
    }),
  );
  return calls;
}

/**
 * Lets a store react to an answer: every promise it chains on the answer settles before the next macrotask,
 * however many there are (a fixed count of microtask turns would let a longer chain finish after the checks).
 * The zero-delay timer is that macrotask boundary, not a wait for time to pass.
 */
export async function flush(): Promise<void> {
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  await nextTick();
}
