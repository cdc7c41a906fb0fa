import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { RunQueueState, WorkbenchEvent } from '../../src-shared/api';
import type { TrainConfig } from '../../src-shared/config';
import { useApi } from '../api/client';
import { useAction } from '../composables/action';
import { activeRunRows, queueSummary } from './active-runs';
import { ACTIVE_STATUSES, iterationsPerSecond, useRunsStore } from './runs';

/** The run the Train view follows and its controls, and the host's active runs and queue. */
export const useTrainingStore = defineStore('training', () => {
  const runs = useRunsStore();
  const currentRunId = ref<string | undefined>();
  /** The run followed before Start switched to the new one: one click goes back to it. */
  const previousRunId = ref<string | undefined>();
  const queue = ref<RunQueueState | undefined>();
  const { busy, error, act } = useAction();

  const record = computed(() => (currentRunId.value ? runs.byId.get(currentRunId.value) : undefined));
  const previousRecord = computed(() => (previousRunId.value ? runs.byId.get(previousRunId.value) : undefined));
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
  const activeRuns = computed(() => activeRunRows(runs.records, queue.value));
  const summary = computed(() => queueSummary(activeRuns.value, queue.value));
  // Another run starts (or queues) beside those training: the supervisor decides which.
  const canStart = computed(() => !busy.value);
  const canPause = computed(() => status.value === 'running');
  const canResume = computed(() => status.value === 'paused');
  const canStop = computed(() => ACTIVE_STATUSES.includes(status.value ?? 'completed'));

  function follow(runId: string): void {
    currentRunId.value = runId;
    previousRunId.value = undefined;
    void runs.loadMetrics(runId).catch(() => undefined);
  }

  /** Starts (or queues) a run and follows it; the run followed until then stays one click away. */
  const start = (config: TrainConfig): Promise<void> =>
    act(async () => {
      const started = await useApi().call('startRun', { config });
      runs.handle({ type: 'run', record: started });
      const before = currentRunId.value;
      currentRunId.value = started.id;
      previousRunId.value = before !== started.id ? before : undefined;
      runs.live(started.id);
    });
  const pause = (): Promise<void> => act(() => useApi().call('pauseRun', { id: currentRunId.value! }));
  const resume = (): Promise<void> => act(() => useApi().call('resumeRun', { id: currentRunId.value! }));
  const stop = (): Promise<void> => act(() => useApi().call('stopRun', { id: currentRunId.value! }));

  /** The host's queue now (on connecting); 'queue' events keep it current. */
  async function refreshQueue(): Promise<void> {
    queue.value = await useApi().call('runQueue', {});
  }

  function handle(event: WorkbenchEvent): void {
    if (event.type === 'queue') queue.value = event.state;
  }

  return {
    currentRunId,
    previousRunId,
    record,
    previousRecord,
    status,
    live,
    rate,
    etaSeconds,
    queue,
    activeRuns,
    summary,
    busy,
    error,
    canStart,
    canPause,
    canResume,
    canStop,
    follow,
    start,
    pause,
    resume,
    stop,
    refreshQueue,
    handle,
  };
});
