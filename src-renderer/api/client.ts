import type { ApiMethod, ApiParams, ApiResult, WorkbenchEvent } from '../../src-shared/api';
import type { BackpropBridge } from '../../src-shared/bridge';
import type { ConfigIssue } from '../../src-shared/config';

export { errorMessage } from '../../src-shared/error-message';

/** A failed request, with the host's message (and per-field config issues when there are any). */
class ApiError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(message: string, issues: readonly ConfigIssue[] = []) {
    super(message);
    this.name = 'ApiError';
    this.issues = issues;
  }
}

/** The typed face of the bridge: the renderer's only way to its host, in Electron and in the browser alike. */
export class ApiClient {
  readonly mode: 'desktop' | 'web';
  private readonly bridge: BackpropBridge;

  constructor(bridge: BackpropBridge) {
    this.bridge = bridge;
    this.mode = bridge.mode;
  }

  async call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
    const envelope = await this.bridge.invoke(method, params);
    if (!envelope.ok) throw new ApiError(envelope.error, envelope.issues);
    return envelope.value as ApiResult<M>;
  }

  onEvent(listener: (event: WorkbenchEvent) => void): () => void {
    return this.bridge.onEvent(listener);
  }
}

let client: ApiClient | undefined;

export function setApiClient(value: ApiClient): void {
  client = value;
}

export function useApi(): ApiClient {
  if (!client) throw new Error('the workbench API is not connected yet');
  return client;
}
