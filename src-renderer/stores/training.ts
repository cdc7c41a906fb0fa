import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { TrainConfig } from '../../src-shared/config';
import { useApi } from '../api/client';
import { useAction } from '../composables/action';
import { iterationsPerSecond, useRunsStore } from './runs';

/** The run the Train view follows, and its controls. */
export const useTrainingStore = defineStore('training', () => {
  const runs = useRunsStore();
  const currentRunId = ref<string | undefined>();
  const { busy, error, act } = useAction();

  const record = computed(() => (currentRunId.value ? runs.byId.get(currentRunId.value) : undefined));
  const status = computed(() => record.value?.status);
  // The live metrics object is mutated in place: a fresh shallow snapshot per update lets everything
  // computed from it (counters, charts) see the change.
  const live = computed(() => {
    void runs.version;
    const entry = currentRunId.value ? runs.metrics.get(currentRunId.value) : undefined;
    return entry ? { ...entry } : undefined;
  });
  const rate = computed(() => iterationsPerSecond(live.value));
  const etaSeconds = computed(() => {
    const entry = live.value;
    if (!entry || !rate.value || status.value !== 'running') return undefined;
    return Math.max(0, (entry.total - entry.iteration) / rate.value);
  });
  const canStart = computed(() => !busy.value && !['queued', 'running', 'paused'].includes(status.value ?? ''));
  const canPause = computed(() => status.value === 'running');
  const canResume = computed(() => status.value === 'paused');
  const canStop = computed(() => ['queued', 'running', 'paused'].includes(status.value ?? ''));

  function follow(runId: string): void {
    currentRunId.value = runId;
    void runs.loadMetrics(runId).catch(() => undefined);
  }

  const start = (config: TrainConfig): Promise<void> =>
    act(async () => {
      const started = await useApi().call('startRun', { config });
      runs.handle({ type: 'run', record: started });
      currentRunId.value = started.id;
      runs.live(started.id);
    });
  const pause = (): Promise<void> => act(() => useApi().call('pauseRun', { id: currentRunId.value! }));
  const resume = (): Promise<void> => act(() => useApi().call('resumeRun', { id: currentRunId.value! }));
  const stop = (): Promise<void> => act(() => useApi().call('stopRun', { id: currentRunId.value! }));

  return { currentRunId, record, status, live, rate, etaSeconds, busy, error, canStart, canPause, canResume, canStop, follow, start, pause, resume, stop };
});
