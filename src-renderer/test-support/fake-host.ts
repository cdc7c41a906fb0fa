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
