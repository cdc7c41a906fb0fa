import { onBeforeUnmount, watch } from 'vue';
import { errorMessage } from '../api/client';

/** What a panel does with the host's answers about the run it shows. */
interface FollowHandlers<T> {
  readonly answer: (value: T) => void;
  readonly failed: (message: string) => void;
  /** Another run (or none) is shown now: clear what belonged to the previous one. */
  readonly switched?: (runId: string | undefined) => void;
}

/**
 * Follows a run's state on the host for a panel (the weight tiles, the weight histograms): asks once for a
 * finished run, and once a second while it trains, the next request only after the last answer (no pile-up);
 * answers for a run no longer shown are dropped.
 */
export function useFollowRun<T>(source: () => readonly [runId: string | undefined, active: boolean], ask: (runId: string) => Promise<T>, handlers: FollowHandlers<T>): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;

  function schedule(now: readonly [string | undefined, boolean], before?: readonly [string | undefined, boolean]): void {
    clearTimeout(timer);
    const mine = ++generation;
    const [runId] = now;
    if (runId !== before?.[0]) handlers.switched?.(runId);
    if (!runId) return;
    const loop = async (): Promise<void> => {
      try {
        const value = await ask(runId);
        if (mine === generation) handlers.answer(value);
      } catch (error) {
        if (mine === generation) handlers.failed(errorMessage(error));
      }
      if (source()[1] && mine === generation) timer = setTimeout(() => void loop(), 1000);
    };
    void loop();
  }

  watch(source, schedule, { immediate: true });
  onBeforeUnmount(() => {
    generation++;
    clearTimeout(timer);
  });
}
