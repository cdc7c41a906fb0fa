import type { ApiEnvelope, HostMode, WorkbenchEvent } from './api';

// No runtime imports here: the sandboxed preload bundles this file and can load nothing else.

/**
 * The one object the preload exposes (and the web client implements over its WebSocket). Untyped at this
 * level on purpose: the renderer's client wraps it with the typed `ApiMethod` signatures.
 */
export interface BackpropBridge {
  readonly mode: HostMode;
  invoke(method: string, params: unknown): Promise<ApiEnvelope>;
  onEvent(listener: (event: WorkbenchEvent) => void): () => void;
}

export const IPC_INVOKE_CHANNEL = 'backprop:invoke';
export const IPC_EVENT_CHANNEL = 'backprop:event';
