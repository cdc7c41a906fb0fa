import type { Backend, BackgroundKernels } from '../../src-engine/backend';
import { loadNativeBackend } from './native-backend';

/**
 * For tests: the native backend when the addon loads here, else the reason it is left out. Native-only tests
 * run under `describe.skipIf(!nativeForTests.backend)`; the reason is printed once per test run (see
 * scripts/vitest-global-setup.ts). Under CI an addon that should be there but does not load fails the run
 * instead of skipping silently; BACKPROP_SKIP_NATIVE=1 (no addon built) skips everywhere.
 */
export interface NativeForTests {
  readonly backend: Backend | undefined;
  readonly skipReason: string | undefined;
}

function probe(): NativeForTests {
  if (process.env.BACKPROP_SKIP_NATIVE === '1') return { backend: undefined, skipReason: 'BACKPROP_SKIP_NATIVE=1: the native addon is not built' };
  try {
    return { backend: loadNativeBackend(), skipReason: undefined };
  } catch (error) {
    if (process.env.CI) throw error;
    return { backend: undefined, skipReason: `the native addon does not load here (${error instanceof Error ? error.message : String(error)})` };
  }
}

export const nativeForTests: NativeForTests = probe();

/** The native backend inside a native-only test (a describe body is collected even where it is skipped: read it in the tests). */
export function requireNative(): Backend {
  if (!nativeForTests.backend) throw new Error(`native-only test run without the addon: ${nativeForTests.skipReason}`);
  return nativeForTests.backend;
}

/** The native backend's background kernels, as requireNative. */
export function requireBackground(): BackgroundKernels {
  const background = requireNative().background;
  if (!background) throw new Error('the native backend has no background kernels');
  return background;
}
