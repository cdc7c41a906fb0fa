import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { ImportedOnnxModel, TestImage } from '../../src-shared/api';
import type { DatasetConfig } from '../../src-shared/config';
import type { RunRecord } from '../../src-shared/run-record';
import { errorMessage, useApi } from '../api/client';
import type { Stroke } from '../draw/strokes';
import { useConfigStore } from './config';
import { useRunsStore } from './runs';

/** Runs whose checkpoint is final: the ones the Draw view can classify with. */
const FINISHED_STATUSES: ReadonlyArray<RunRecord['status']> = ['completed', 'stopped'];

/** Thumbnails per page of the test-image strip. */
export const TEST_PAGE_SIZE = 12;

/** The MNIST test set's size, for Random before the host has told us otherwise. */
const MNIST_TEST_COUNT = 10_000;

function finishedTime(run: RunRecord): number {
  return Date.parse(run.finishedAt ?? run.updatedAt) || Date.parse(run.createdAt) || 0;
}

/** Finished runs, most recently finished first. */
export function finishedRuns(records: readonly RunRecord[]): RunRecord[] {
  return records.filter((r) => FINISHED_STATUSES.includes(r.status)).sort((a, b) => finishedTime(b) - finishedTime(a));
}

/** A run's best test accuracy over its evaluations, else its final one; undefined when it has none. */
export function runAccuracy(run: RunRecord): number | undefined {
  const accuracy = run.summary?.bestTestAccuracy ?? run.summary?.testAccuracy;
  return typeof accuracy === 'number' && Number.isFinite(accuracy) ? accuracy : undefined;
}

/**
 * The run to classify with until the user picks one: the finished run with the highest best test accuracy
 * (the first of `runs` on a tie, so the newest), else the first.
 */
export function defaultRun(runs: readonly RunRecord[]): RunRecord | undefined {
  let best: RunRecord | undefined;
  for (const run of runs) {
    const accuracy = runAccuracy(run);
    if (accuracy !== undefined && (best === undefined || accuracy > runAccuracy(best)!)) best = run;
  }
  return best ?? runs[0];
}

/** Index of the largest value; -1 for none. */
export function argmax(values: ArrayLike<number>): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (best < 0 || values[i]! > values[best]!) best = i;
  return best;
}

/** 0.9823 -> "98.2 %". */
export function formatPercent(p: number): string {
  return Number.isFinite(p) ? `${(p * 100).toFixed(1)} %` : '–';
}

/** A test image's bytes as the network's input: already MNIST-formatted, only scaled to [0, 1]. */
export function testImageInput(image: Pick<TestImage, 'pixels'>): number[] {
  return image.pixels.map((v) => Math.min(Math.max(v / 255, 0), 1));
}

function datasetKey(dataset: DatasetConfig): string {
  return dataset.kind === 'idx' ? `idx:${dataset.path}` : dataset.kind;
}

/** The Draw view's state: which model classifies, the latest input and what the model made of it. */
export const useDrawStore = defineStore('draw', () => {
  const runs = useRunsStore();
  const configStore = useConfigStore();

  // --- the model ---------------------------------------------------------------------------------------
  const models = computed(() => finishedRuns(runs.records));
  const chosenRunId = ref<string | undefined>();
  /** The user's pick while it is still a finished run, else the default. */
  /** .onnx files imported for classifying (held by the host, run by onnxruntime); their ids start with "onnx-". */
  const onnxModels = ref<ImportedOnnxModel[]>([]);
  const importing = ref(false);
  const importError = ref<string | undefined>();
  const isOnnx = (id: string | undefined): boolean => !!id && onnxModels.value.some((m) => m.modelId === id);
  const runId = computed<string | undefined>({
    get: () => (models.value.some((r) => r.id === chosenRunId.value) || isOnnx(chosenRunId.value) ? chosenRunId.value : defaultRun(models.value)?.id ?? onnxModels.value[0]?.modelId),
    set: (id) => {
      chosenRunId.value = id;
    },
  });
  const run = computed(() => models.value.find((r) => r.id === runId.value));

  // --- the drawing and its classification --------------------------------------------------------------
  /** Finished strokes of the pad (kept here so the drawing survives switching views). */
  const strokes = shallowRef<readonly Stroke[]>([]);
  /** The test image being classified instead of a drawing. */
  const testImage = shallowRef<TestImage | undefined>();
  /** The latest input given to classify (what the model sees), sent or still waiting. */
  const input = shallowRef<number[] | undefined>();
  const probabilities = shallowRef<number[] | undefined>();
  /** The run the probabilities came from. */
  const predictedBy = ref<string | undefined>();
  const pending = ref(false);
  const error = ref<string | undefined>();

  let inFlight = false;
  let queued: number[] | undefined;
  /** Bumped by reset and by a change of model: answers to older requests are dropped. */
  let epoch = 0;

  const prediction = computed(() => {
    const p = probabilities.value;
    if (!p || p.length === 0) return undefined;
    const digit = argmax(p);
    return { digit, probability: p[digit]! };
  });

  async function loadOnnxModels(): Promise<void> {
    try {
      onnxModels.value = await useApi().call('listOnnxModels', {});
    } catch (e) {
      importError.value = `Could not list imported models: ${errorMessage(e)}`;
    }
  }

  /** Imports an .onnx file the user chose and classifies with it; a wrong file gets the host's reason. */
  async function importOnnxFile(file: File): Promise<void> {
    importing.value = true;
    importError.value = undefined;
    try {
      const dataUrl = await new Promise<string>((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(String(reader.result));
        reader.onerror = () => reject(reader.error ?? new Error(`cannot read ${file.name}`));
        reader.readAsDataURL(file);
      });
      const model = await useApi().call('importOnnx', { fileName: file.name, base64: dataUrl.slice(dataUrl.indexOf(',') + 1) });
      onnxModels.value = [...onnxModels.value, model];
      runId.value = model.modelId;
    } catch (e) {
      importError.value = errorMessage(e);
    } finally {
      importing.value = false;
    }
  }

  function noModelMessage(): string {
    return models.value.length === 0 && onnxModels.value.length === 0
      ? 'No finished run to classify with: train a network in the Train view first.'
      : 'Choose a model to classify with.';
  }

  /** Classifies `pixels` with the chosen run. Only one request is in flight; while it is, only the latest input waits. */
  function classify(pixels: number[]): void {
    input.value = pixels;
    if (!runId.value) {
      error.value = noModelMessage();
      probabilities.value = undefined;
      return;
    }
    if (inFlight) {
      queued = pixels;
      return;
    }
    void send(pixels, runId.value);
  }

  async function send(pixels: number[], id: string): Promise<void> {
    inFlight = true;
    pending.value = true;
    const started = epoch;
    try {
      const result = isOnnx(id) ? await useApi().call('predictOnnx', { modelId: id, pixels }) : await useApi().call('predict', { id, pixels });
      if (started === epoch) {
        probabilities.value = result.probabilities;
        predictedBy.value = id;
        error.value = undefined;
      }
    } catch (e) {
      if (started === epoch) {
        const name = models.value.find((r) => r.id === id)?.name ?? onnxModels.value.find((m) => m.modelId === id)?.fileName ?? id;
        error.value = `Could not classify with “${name}”: ${errorMessage(e)}`;
        probabilities.value = undefined;
      }
    } finally {
      inFlight = false;
      const next = queued;
      queued = undefined;
      if (next) classify(next);
      if (!inFlight) pending.value = false;
    }
  }

  /** Forgets the input and its classification (a request in flight is answered into the void). */
  function reset(): void {
    epoch++;
    queued = undefined;
    input.value = undefined;
    probabilities.value = undefined;
    predictedBy.value = undefined;
    error.value = undefined;
  }

  /** Empties the pad and everything derived from it. */
  function clear(): void {
    strokes.value = [];
    testImage.value = undefined;
    reset();
  }

  /** Drops the last stroke (the pad re-renders and sends the new ink); with none, drops a test image. */
  function undo(): void {
    if (strokes.value.length > 0) strokes.value = strokes.value.slice(0, -1);
    else if (testImage.value) clear();
  }

  /** Classifies a test image instead of the drawing. */
  function classifyTestImage(image: TestImage): void {
    strokes.value = [];
    testImage.value = image;
    classify(testImageInput(image));
  }

  // A new model classifies what is on the pad again.
  watch(runId, () => {
    epoch++;
    const current = input.value;
    if (current) classify(current);
    else error.value = undefined;
  });

  // --- test images --------------------------------------------------------------------------------------
  /** The chosen run's dataset, else the config being edited, else MNIST. */
  const dataset = computed<DatasetConfig>(() => run.value?.config.dataset ?? configStore.config?.dataset ?? { kind: 'mnist' });
  const currentDatasetKey = computed(() => datasetKey(dataset.value));
  const testImages = shallowRef<TestImage[]>([]);
  const testOffset = ref(0);
  const testLoading = ref(false);
  const testError = ref<string | undefined>();
  /** Size of the test set once known (from a short page or the host's past-the-end message). */
  const testCount = ref<number | undefined>();
  let loadedKey: string | undefined;
  let testRequest = 0;

  async function loadTestImages(offset: number, onPastEnd: (count: number) => number = () => 0): Promise<void> {
    const request = ++testRequest;
    const requested = dataset.value;
    const key = datasetKey(requested);
    testLoading.value = true;
    try {
      const images = await useApi().call('testImages', { dataset: requested, offset, count: TEST_PAGE_SIZE });
      if (request !== testRequest) return;
      loadedKey = key;
      testImages.value = images;
      testOffset.value = offset;
      testError.value = undefined;
      if (images.length < TEST_PAGE_SIZE) testCount.value = offset + images.length;
    } catch (e) {
      if (request !== testRequest) return;
      const message = errorMessage(e);
      const count = /has (\d+) images/.exec(message);
      const size = count ? Number(count[1]) : 0;
      if (size > 0 && offset >= size) {
        testCount.value = size;
        await loadTestImages(Math.min(onPastEnd(size), size - 1));
        return;
      }
      testError.value = `Could not load test images: ${message}`;
    } finally {
      if (request === testRequest) testLoading.value = false;
    }
  }

  /** Loads the first page unless the strip already shows the current dataset's images. */
  async function ensureTestImages(): Promise<void> {
    if (loadedKey === currentDatasetKey.value && testImages.value.length > 0) return;
    if (loadedKey !== currentDatasetKey.value) testCount.value = undefined;
    await loadTestImages(0);
  }

  async function nextTestImages(): Promise<void> {
    const next = testOffset.value + TEST_PAGE_SIZE;
    await loadTestImages(testCount.value !== undefined && next >= testCount.value ? 0 : next);
  }

  async function previousTestImages(): Promise<void> {
    const previous = testOffset.value - TEST_PAGE_SIZE;
    if (previous >= 0) await loadTestImages(previous);
    else if (testCount.value !== undefined) await loadTestImages(Math.max(0, testCount.value - TEST_PAGE_SIZE));
    else await loadTestImages(0);
  }

  async function randomTestImages(): Promise<void> {
    const randomOffset = (count: number): number => Math.floor(Math.random() * Math.max(1, count - TEST_PAGE_SIZE + 1));
    await loadTestImages(randomOffset(testCount.value ?? MNIST_TEST_COUNT), randomOffset);
  }

  /** A test image by index: from the strip, else fetched on its own. */
  async function findTestImage(index: number): Promise<TestImage> {
    const shown = testImages.value.find((image) => image.index === index);
    if (shown) return shown;
    const [image] = await useApi().call('testImages', { dataset: dataset.value, offset: index, count: 1 });
    if (!image) throw new Error(`test image ${index} does not exist`);
    return image;
  }

  return {
    models,
    onnxModels,
    importing,
    importError,
    loadOnnxModels,
    importOnnxFile,
    runId,
    run,
    strokes,
    testImage,
    input,
    probabilities,
    predictedBy,
    prediction,
    pending,
    error,
    classify,
    reset,
    clear,
    undo,
    classifyTestImage,
    dataset,
    datasetKey: currentDatasetKey,
    testImages,
    testOffset,
    testCount,
    testLoading,
    testError,
    loadTestImages,
    ensureTestImages,
    nextTestImages,
    previousTestImages,
    randomTestImages,
    findTestImage,
  };
});
