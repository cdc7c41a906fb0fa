import { defineStore } from 'pinia';
import { computed, ref, shallowReactive, shallowRef, triggerRef, watch } from 'vue';
import type { RunLog, RunMetrics, WorkbenchEvent } from '../../src-shared/api';
import type { RunListing, RunRecord, StoredEvaluation } from '../../src-shared/run-record';
import { errorMessage, useApi } from '../api/client';

/** Metrics of one run as the charts read them: filled from the store's file, then from live events. */
export interface LiveMetrics {
  losses: Array<number | null>;
  evaluations: StoredEvaluation[];
  iteration: number;
  total: number;
  elapsedSeconds: number;
  /** Recent (elapsed, iteration) samples for the iterations/s estimate. */
  rate: Array<{ elapsed: number; iteration: number }>;
}

export const ACTIVE_STATUSES: ReadonlyArray<RunRecord['status']> = ['queued', 'running', 'paused'];

/** Every stored run, kept current by the host's events. */
export const useRunsStore = defineStore('runs', () => {
  /**
   * Shallow, like metrics: thousands of records must not become deep reactive proxies. Replaced whole by a
   * refresh; one entry changed in place (and triggered) by a record event.
   */
  const listings = shallowRef<RunListing[]>([]);
  const loading = ref(false);
  const error = ref<string | undefined>();
  /** Shallow: a 10000-point loss array must not become 10000 reactive proxies. Charts watch `version`. */
  const metrics = shallowRef(new Map<string, LiveMetrics>());
  const version = ref(0);
  const logs = ref<RunLog[]>([]);

  const records = computed(() => listings.value.flatMap((l) => (l.kind === 'ok' ? [l.record] : [])));
  /** Each run's record by id, kept with the listings: reading one id reacts to that run's changes only. */
  const byId = shallowReactive(new Map<string, RunRecord>());
  /** Where each listed id is in `listings`, for an update in constant time. */
  const positions = new Map<string, number>();
  const idOf = (l: RunListing): string => (l.kind === 'ok' ? l.record.id : l.id);

  // A new list (a refresh, a deletion): index it once. Record events change one entry of the same list.
  watch(
    listings,
    (list, before) => {
      if (list === before) return;
      positions.clear();
      list.forEach((l, i) => positions.set(idOf(l), i));
      const stale = new Set(byId.keys());
      for (const l of list) {
        if (l.kind !== 'ok') continue;
        stale.delete(l.record.id);
        if (byId.get(l.record.id) !== l.record) byId.set(l.record.id, l.record);
      }
      for (const id of stale) byId.delete(id);
    },
    { flush: 'sync' },
  );

  async function refresh(): Promise<void> {
    loading.value = true;
    try {
      listings.value = await useApi().call('listRuns', {});
      error.value = undefined;
    } catch (e) {
      error.value = `Could not list runs: ${errorMessage(e)}`;
    } finally {
      loading.value = false;
    }
  }

  /** A run's new record: its entry replaced where it is (constant time), or a new run put first. */
  function upsert(record: RunRecord): void {
    const index = positions.get(record.id);
    if (index === undefined) listings.value = [{ kind: 'ok', record }, ...listings.value];
    else {
      listings.value[index] = { kind: 'ok', record };
      byId.set(record.id, record);
      triggerRef(listings);
    }
  }

  function forget(id: string): void {
    if (positions.has(id)) listings.value = listings.value.filter((l) => idOf(l) !== id);
  }

  function live(runId: string): LiveMetrics {
    let entry = metrics.value.get(runId);
    if (!entry) {
      entry = { losses: [], evaluations: [], iteration: 0, total: 0, elapsedSeconds: 0, rate: [] };
      metrics.value.set(runId, entry);
    }
    return entry;
  }

  function touch(): void {
    version.value++;
    triggerRef(metrics);
  }

  /** Loads a run's stored metrics once (the live events then extend them). */
  async function loadMetrics(runId: string): Promise<LiveMetrics> {
    const existing = metrics.value.get(runId);
    if (existing && (existing.losses.length > 0 || ACTIVE_STATUSES.includes(byId.get(runId)?.status ?? 'completed'))) return existing;
    const stored: RunMetrics = await useApi().call('runMetrics', { id: runId });
    const entry = live(runId);
    entry.losses = [...stored.losses];
    entry.evaluations = [...stored.evaluations];
    entry.iteration = Math.max(entry.iteration, stored.losses.length);
    touch();
    return entry;
  }

  function handle(event: WorkbenchEvent): void {
    switch (event.type) {
      case 'run':
        upsert(event.record);
        break;
      case 'runDeleted':
        forget(event.id);
        metrics.value.delete(event.id);
        touch();
        break;
      case 'progress': {
        const entry = live(event.runId);
        for (const [i, loss] of event.losses.entries()) entry.losses[event.start + i] = loss;
        entry.iteration = event.iteration;
        entry.total = event.total;
        entry.elapsedSeconds = event.elapsedSeconds;
        entry.rate.push({ elapsed: event.elapsedSeconds, iteration: event.iteration });
        if (entry.rate.length > 40) entry.rate.shift();
        touch();
        break;
      }
      case 'evaluation': {
        const entry = live(event.runId);
        entry.evaluations = [...entry.evaluations.filter((e) => e.iteration !== event.point.iteration || e.final !== event.point.final), event.point];
        touch();
        break;
      }
      case 'log':
        logs.value = [...logs.value.slice(-49), { runId: event.runId, level: event.level, message: event.message }];
        break;
      default:
        break;
    }
  }

  async function rename(id: string, name: string): Promise<void> {
    upsert(await useApi().call('renameRun', { id, name }));
  }

  async function remove(id: string): Promise<void> {
    await useApi().call('deleteRun', { id });
    forget(id);
  }

  async function continueRun(id: string): Promise<RunRecord> {
    const record = await useApi().call('continueRun', { id });
    // The trainer rewrites the curve from the checkpoint on: reload what is stored, then follow events.
    metrics.value.delete(id);
    upsert(record);
    return record;
  }

  return { listings, records, byId, loading, error, metrics, version, logs, refresh, handle, loadMetrics, live, rename, remove, continueRun };
});

/** Iterations per second over the recent progress events. */
export function iterationsPerSecond(entry: LiveMetrics | undefined): number | undefined {
  if (!entry || entry.rate.length < 2) return undefined;
  const first = entry.rate[0]!;
  const last = entry.rate[entry.rate.length - 1]!;
  const seconds = last.elapsed - first.elapsed;
  return seconds > 0 ? (last.iteration - first.iteration) / seconds : undefined;
}
