import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ClassifiedImage, ConfusionReport } from '../../src-shared/api';
import type { RunRecord } from '../../src-shared/run-record';
import { errorMessage, useApi } from '../api/client';
import { finishedRuns } from './draw';
import { useRunsStore } from './runs';

/** The most confident mistakes the gallery shows. */
export const GALLERY_SIZE = 40;

/** The finished run with the best test accuracy of any evaluation (ties: the most recently finished). */
export function bestRun(runs: readonly RunRecord[]): RunRecord | undefined {
  let best: RunRecord | undefined;
  for (const run of runs) {
    const accuracy = run.summary?.bestTestAccuracy ?? null;
    if (accuracy === null) continue;
    if (!best || accuracy > (best.summary?.bestTestAccuracy ?? -1)) best = run;
  }
  return best ?? runs[0];
}

/** A cell of the matrix: the test images of one true label given one prediction. */
export interface ConfusionCell {
  readonly label: number;
  readonly predicted: number;
}

/** Images shown for a cell or the gallery, fetched with their probabilities; `error` when that failed. */
interface ImageSet {
  readonly images: ClassifiedImage[];
  readonly loading: boolean;
  readonly error: string | undefined;
}

const EMPTY: ImageSet = { images: [], loading: false, error: undefined };

/** The Inspect view's state: the run inspected, its confusion matrix, the cell opened and the mistakes shown. */
export const useInspectStore = defineStore('inspect', () => {
  const runs = useRunsStore();
  const models = computed(() => finishedRuns(runs.records));
  const chosenRunId = ref<string | undefined>();
  const runId = computed<string | undefined>({
    get: () => (models.value.some((r) => r.id === chosenRunId.value) ? chosenRunId.value : bestRun(models.value)?.id),
    set: (id) => {
      chosenRunId.value = id;
    },
  });

  const report = shallowRef<ConfusionReport | undefined>();
  /** The run the report is of (a report stays on screen while the next one is computed). */
  const reportRunId = ref<string | undefined>();
  const loading = ref(false);
  const error = ref<string | undefined>();
  const cell = ref<ConfusionCell | undefined>();
  const cellImages = shallowRef<ImageSet>(EMPTY);
  const gallery = shallowRef<ImageSet>(EMPTY);
  /** Answers to older requests are dropped: only the latest of each kind is shown. */
  let reportRequest = 0;
  let cellRequest = 0;

  async function imagesOf(id: string, indices: number[]): Promise<ClassifiedImage[]> {
    return indices.length === 0 ? [] : useApi().call('classifiedImages', { id, indices });
  }

  async function loadGallery(id: string, next: ConfusionReport, request: number): Promise<void> {
    gallery.value = { images: [], loading: true, error: undefined };
    try {
      const images = await imagesOf(id, next.mistakes.slice(0, GALLERY_SIZE).map((m) => m.index));
      if (request === reportRequest) gallery.value = { images, loading: false, error: undefined };
    } catch (e) {
      if (request === reportRequest) gallery.value = { images: [], loading: false, error: errorMessage(e) };
    }
  }

  /** Computes (or fetches the host's cached) confusion matrix of the run, then its gallery. */
  async function load(id: string | undefined = runId.value): Promise<void> {
    const request = ++reportRequest;
    cell.value = undefined;
    cellImages.value = EMPTY;
    if (!id) {
      report.value = undefined;
      reportRunId.value = undefined;
      gallery.value = EMPTY;
      return;
    }
    loading.value = true;
    error.value = undefined;
    try {
      const next = await useApi().call('confusion', { id });
      if (request !== reportRequest) return;
      report.value = next;
      reportRunId.value = id;
      await loadGallery(id, next, request);
    } catch (e) {
      if (request === reportRequest) error.value = errorMessage(e);
    } finally {
      if (request === reportRequest) loading.value = false;
    }
  }

  /** Opens a cell: the images of that true label predicted as that class, most confident first. */
  async function openCell(next: ConfusionCell): Promise<void> {
    const id = reportRunId.value;
    const indices = report.value?.cellImages[next.label]?.[next.predicted] ?? [];
    if (!id) return;
    const request = ++cellRequest;
    cell.value = next;
    cellImages.value = { images: [], loading: true, error: undefined };
    try {
      const images = await imagesOf(id, indices);
      if (request === cellRequest) cellImages.value = { images, loading: false, error: undefined };
    } catch (e) {
      if (request === cellRequest) cellImages.value = { images: [], loading: false, error: errorMessage(e) };
    }
  }

  /** The test image looked inside ("Inside one input"): the one picked, else the most confident mistake, else the first. */
  const chosenInsideIndex = ref<number | undefined>();
  const insideIndex = computed(() => {
    const current = report.value;
    if (!current) return undefined;
    const chosen = chosenInsideIndex.value;
    return chosen !== undefined && chosen < current.images ? chosen : (current.mistakes[0]?.index ?? 0);
  });
  /** Looks inside test image `index` (kept while it is in the inspected run's test set). */
  function openImage(index: number): void {
    chosenInsideIndex.value = index;
  }

  return { models, runId, report, reportRunId, loading, error, cell, cellImages, gallery, load, openCell, insideIndex, openImage };
});
