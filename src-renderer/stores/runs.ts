import { defineStore } from 'pinia';
import { computed, ref, shallowReactive, shallowRef, triggerRef, watch } from 'vue';
import type { RunCurve, RunLog, RunMetrics, WorkbenchEvent } from '../../src-shared/api';
import type { RunListing, RunRecord, StoredEvaluation } from '../../src-shared/run-record';
import { errorMessage, useApi } from '../api/client';
import { liveCurve, StoredCurve, type LossCurve } from '../charts/curves';
import { LossSeries } from '../charts/loss-series';
import { GradientThinning } from '../../src-shared/series/gradient-thinning';

/** Time anchors a live run keeps at most: beyond, every other one is dropped. */
const MAX_TIME_ANCHORS = 4096;
/** The buckets a finished run's curve is first asked in (the chart then asks for its own width). */
const FIRST_CURVE_POINTS = 1000;

/**
 * Metrics of one run as the charts read them. A run followed live (or loaded whole for the Train view) keeps
 * its losses in a LossSeries in the page; a finished run is not loaded whole: its curve is asked of the host
 * at the resolution a chart shows (`curveOf`), and only its evaluations are kept here.
 */
export interface LiveMetrics {
  /** Every loss of a run followed live (empty for a finished run read through its StoredCurve). */
  series: LossSeries;
  /** (iteration, elapsed seconds) at each progress event, thinned to MAX_TIME_ANCHORS. */
  times: Array<readonly [number, number]>;
  evaluations: StoredEvaluation[];
  /** Bounds the gradient flows `evaluations` keep as live evaluations append to them (a new one when they are replaced). */
  thinning: GradientThinning;
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
  /** Finished runs' curves, asked of the host window by window (not reactive: charts watch `version`). */
  const storedCurves = new Map<string, StoredCurve>();

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
      entry = { series: new LossSeries(), times: [], evaluations: [], thinning: new GradientThinning(), iteration: 0, total: 0, elapsedSeconds: 0, rate: [] };
      metrics.value.set(runId, entry);
    }
    return entry;
  }

  /** The run's evaluations as the host read them (already thinned there); live ones append from here. */
  function replaceEvaluations(entry: LiveMetrics, evaluations: readonly StoredEvaluation[]): void {
    entry.evaluations = [...evaluations];
    entry.thinning = new GradientThinning();
  }

  function touch(): void {
    version.value++;
    triggerRef(metrics);
  }

  const isActive = (runId: string): boolean => ACTIVE_STATUSES.includes(byId.get(runId)?.status ?? 'completed');

  /** The curve of a finished run, read by the host at a chart's resolution; its first answer fills the run's evaluations. */
  function storedCurve(runId: string): StoredCurve {
    let curve = storedCurves.get(runId);
    if (!curve) {
      curve = new StoredCurve(
        (window) => useApi().call('runCurve', { id: runId, from: window.from, ...(Number.isFinite(window.to) ? { to: window.to } : {}), points: window.points, smoothing: window.smoothing }),
        (answer: RunCurve) => {
          const entry = live(runId);
          // Every answer carries the evaluations: a new array only when they changed, so the accuracy chart is not rebuilt per zoom.
          if (entry.evaluations.length !== answer.evaluations.length) replaceEvaluations(entry, answer.evaluations);
          entry.iteration = Math.max(entry.iteration, answer.iterations);
          touch();
        },
        () => touch(),
      );
      storedCurves.set(runId, curve);
    }
    return curve;
  }

  /** What a loss chart draws of a run: its series in the page when followed live, else its stored curve. */
  function curveOf(runId: string): LossCurve {
    const entry = metrics.value.get(runId);
    if (entry && (entry.series.length > 0 || isActive(runId))) return liveCurve(entry.series, entry.times);
    return storedCurve(runId);
  }

  /**
   * Loads a run's stored metrics once. An active run's losses are loaded whole into the page (the live
   * events then extend them); a finished run's curve is asked for at a chart's resolution instead, and its
   * evaluations arrive with the first answer.
   */
  async function loadMetrics(runId: string): Promise<LiveMetrics> {
    const existing = metrics.value.get(runId);
    if (existing && (existing.series.length > 0 || existing.evaluations.length > 0)) return existing;
    if (!isActive(runId)) {
      const curve = storedCurve(runId);
      curve.load(FIRST_CURVE_POINTS, 0.9);
      return live(runId);
    }
    const stored: RunMetrics = await useApi().call('runMetrics', { id: runId });
    const entry = live(runId);
    const series = new LossSeries(entry.series.smoothing);
    series.append(0, stored.losses);
    // Progress events that arrived meanwhile, past what the file held.
    for (let i = series.length; i < entry.series.length; i++) series.append(i, [entry.series.at(i)]);
    entry.series = series;
    replaceEvaluations(entry, stored.evaluations);
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
        storedCurves.delete(event.id);
        touch();
        break;
      case 'progress': {
        const entry = live(event.runId);
        entry.series.append(event.start, event.losses);
        entry.times.push([event.iteration, event.elapsedSeconds]);
        if (entry.times.length > MAX_TIME_ANCHORS) entry.times = entry.times.filter((_, i) => i % 2 === 1);
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
        const evaluations = [...entry.evaluations];
        // One the stored metrics already held (loaded while it was sent) is replaced where it is.
        const same = evaluations.findIndex((e) => e.iteration === event.point.iteration && e.final === event.point.final);
        if (same >= 0) evaluations[same] = event.point;
        else entry.thinning.push(evaluations, event.point);
        entry.evaluations = evaluations;
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
    storedCurves.delete(id);
    upsert(record);
    return record;
  }

  return { listings, records, byId, loading, error, metrics, version, logs, refresh, handle, loadMetrics, curveOf, live, rename, remove, continueRun };
});

/** Iterations per second over the recent progress events. */
export function iterationsPerSecond(entry: LiveMetrics | undefined): number | undefined {
  if (!entry || entry.rate.length < 2) return undefined;
  const first = entry.rate[0]!;
  const last = entry.rate[entry.rate.length - 1]!;
  const seconds = last.elapsed - first.elapsed;
  return seconds > 0 ? (last.iteration - first.iteration) / seconds : undefined;
}
