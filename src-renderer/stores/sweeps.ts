import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { SweepPreset, SweepQueueState, SweepSummary } from '../../src-shared/api';
import type { RunRecord } from '../../src-shared/run-record';
import { sweepSchema } from '../../src-shared/sweep';
import { rankTrials, sweepProgress } from '../../src-shared/sweep-progress';
import { errorMessage, useApi } from '../api/client';
import { useAction } from '../composables/action';
import { useRunsStore } from './runs';

/** The Sweeps view: presets, the definition being edited (validated live), stored sweeps and their trials. */
export const useSweepsStore = defineStore('sweeps', () => {
  const runs = useRunsStore();
  const presets = ref<SweepPreset[]>([]);
  const sweeps = ref<SweepSummary[]>([]);
  const selectedId = ref<string | undefined>();
  const text = ref('');
  /** Sweeps asked to cancel that still run (their trials are stopping, each saving a checkpoint). */
  const cancelling = ref<ReadonlySet<string>>(new Set());
  /** Trials of the selected sweep whose curves the user ticked (beside the top ones). */
  const plotted = ref<ReadonlySet<string>>(new Set());
  /** The host's job queue (none by default: trials train on this host) and its workers, as last asked. */
  const queue = ref<SweepQueueState>({ url: null, workers: [], problem: null });
  /** Start and resume sweeps on the queue instead of this host's trainers (offered when the host has one). */
  const onQueue = ref(false);
  const { busy, error, act } = useAction();

  const validation = computed(() => {
    if (!text.value.trim()) return { sweep: undefined, problems: [] as string[] };
    let json: unknown;
    try {
      json = JSON.parse(text.value);
    } catch (e) {
      return { sweep: undefined, problems: [`not JSON: ${(e as Error).message}`] };
    }
    const parsed = sweepSchema.safeParse(json);
    return parsed.success ? { sweep: parsed.data, problems: [] } : { sweep: undefined, problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
  });

  const selected = computed(() => sweeps.value.find((s) => s.id === selectedId.value));
  /** The selected sweep's trials, kept live by the runs store's events. */
  const trials = computed<RunRecord[]>(() => runs.records.filter((r) => r.sweep?.id === selectedId.value));
  /** Where the selected sweep stands ("2 of 4 done · 2 stopped"), from its trials as the events update them. */
  const progress = computed(() => (selected.value ? sweepProgress(selected.value.trials, trials.value, selected.value.active) : undefined));
  /** Completed trials with a result, best first; the others (stopped, failed...) apart. */
  const ranking = computed(() => rankTrials(trials.value));

  watch(selectedId, () => (plotted.value = new Set()));

  async function refresh(): Promise<void> {
    try {
      const api = useApi();
      [presets.value, sweeps.value, queue.value] = await Promise.all([api.call('sweepPresets', {}), api.call('listSweeps', {}), api.call('sweepQueue', {})]);
      if (queue.value.url === null) onQueue.value = false;
      cancelling.value = new Set([...cancelling.value].filter((id) => sweeps.value.some((s) => s.id === id && s.active)));
      selectedId.value ??= sweeps.value[0]?.id;
      error.value = undefined;
    } catch (e) {
      error.value = errorMessage(e);
    }
  }

  /** Asks the host for its queue's workers again (the Sweeps view does while it shows them). */
  async function refreshQueue(): Promise<void> {
    try {
      queue.value = await useApi().call('sweepQueue', {});
    } catch (e) {
      queue.value = { ...queue.value, workers: [], problem: errorMessage(e) };
    }
  }

  function usePreset(file: string): void {
    const preset = presets.value.find((p) => p.file === file);
    if (preset) text.value = `${JSON.stringify(preset.sweep, null, 2)}\n`;
  }

  const start = (): Promise<void> =>
    act(async () => {
      const sweep = validation.value.sweep;
      if (!sweep) throw new Error('Fix the sweep definition first.');
      const { id } = await useApi().call('startSweep', { sweep, onQueue: onQueue.value });
      selectedId.value = id;
      await refresh();
    });
  const cancel = (id: string): Promise<void> =>
    act(async () => {
      await useApi().call('cancelSweep', { id });
      cancelling.value = new Set([...cancelling.value, id]);
    });
  const resume = (id: string): Promise<void> =>
    act(async () => {
      await useApi().call('resumeSweep', { id, onQueue: onQueue.value });
      await refresh();
    });
  const promote = (runId: string): Promise<RunRecord | undefined> => {
    let record: RunRecord | undefined;
    return act(async () => {
      record = await useApi().call('promoteTrial', { id: runId });
      runs.handle({ type: 'run', record });
    }).then(() => record);
  };

  return { presets, sweeps, selectedId, selected, trials, progress, ranking, text, validation, error, busy, cancelling, plotted, queue, onQueue, refresh, refreshQueue, usePreset, start, cancel, resume, promote };
});
