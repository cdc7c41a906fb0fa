import type { Backend } from '../../src-engine/backend';
import { loadNativeBackend } from './native-backend';
import { createTsBackend } from '../../src-engine/backends/ts-backend';

export type BackendRequest = 'auto' | 'native' | 'ts';

export interface BackendSelection {
  readonly backend: Backend;
  /** Set when 'auto' fell back to the TypeScript backend: show it once to the user. */
  readonly warning?: string;
}

/**
 * 'auto' prefers the native addon and falls back to the TypeScript backend with a warning; asking for
 * 'native' explicitly fails loudly instead, so a benchmark never silently measures the wrong thing.
 */
export function selectBackend(request: BackendRequest): BackendSelection {
  if (request === 'ts') return { backend: createTsBackend() };
  try {
    return { backend: loadNativeBackend() };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (request === 'native') throw new Error(`the native backend is not available: ${reason}`);
    return {
      backend: createTsBackend(),
      warning: `native backend unavailable (${reason}); using the slower TypeScript backend. Run "npm install" to build it.`,
    };
  }
}
