import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PIXEL_SCALE } from '../../src-engine/training/split-images';
import type { ClassifiedImage, ConfusionReport, InsideInput, TestImage } from '../../src-shared/api';
import type { RunRecord } from '../../src-shared/run-record';
import type { Dataset } from '../../src-engine/dataset';
import { ConfusionTally } from '../inspect/confusion-tally';
import { CHECKPOINT_FILE } from '../runs/run-layout';
import type { TrainerProcess } from '../trainers/trainer-process';
import { requestFromTrainer } from '../trainers/trainer-requests';
import type { ServiceContext } from './context';
import { UserError } from './errors';
import type { Handlers } from './handlers';
import { networkClasses, networkInputSize } from '../../src-shared/network-config';

/** The learner's lens: what a finished run gets right and wrong on its test set. */
export type InspectMethod = 'confusion' | 'classifiedImages' | 'inputActivations';

/** Pixels per predict request: 1000 MNIST images, 3 MB of float32 on the wire; fewer images when they are bigger. */
const BATCH_PIXELS = 1000 * 784;
/** Pixels one classifiedImages reply carries at most (as JSON numbers), as testImages. */
const MAX_REPLY_PIXELS = 2_000_000;
/** One batch's reply may take this long; the whole test set at most CONFUSION_TIMEOUT_MS. */
const BATCH_TIMEOUT_MS = 60_000;
const CONFUSION_TIMEOUT_MS = 300_000;
/** Confusion matrices kept (by run and checkpoint time): a reopened run answers at once. */
const CACHED_MATRICES = 8;

/** Computed confusion matrices by run id, each valid for one version of the run's checkpoint. */
export class ConfusionCache {
  private readonly entries = new Map<string, { readonly checkpointTime: number; readonly report: Promise<ConfusionReport> }>();

  /** The cached report for this checkpoint version, or the one `compute` gives (shared by requests that overlap). */
  get(id: string, checkpointTime: number, compute: () => Promise<ConfusionReport>): Promise<ConfusionReport> {
    const cached = this.entries.get(id);
    if (cached?.checkpointTime === checkpointTime) return cached.report;
    const report = compute();
    this.entries.delete(id);
    this.entries.set(id, { checkpointTime, report });
    report.catch(() => {
      if (this.entries.get(id)?.report === report) this.entries.delete(id);
    });
    // Maps keep insertion order: the first key is the oldest.
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= CACHED_MATRICES) break;
      this.entries.delete(oldest);
    }
    return report;
  }
}

/** A run whose checkpoint is final, with its network loaded, and its dataset's test split checked against the network. */
async function loadedRun(ctx: ServiceContext, id: string, check: (test: Dataset['test']) => void = () => undefined): Promise<{ record: RunRecord; process: TrainerProcess; test: Dataset['test'] }> {
  const record = await ctx.store.get(id);
  if (ctx.supervisor.activeRunIds.includes(id) || ctx.supervisor.queuedRunIds.includes(id)) {
    throw new UserError(`run "${record.name}" is still training: inspect it once it has ended`);
  }
  const { test } = await ctx.datasets.get(record.config.dataset);
  const pixels = test.rows * test.cols;
  if (pixels !== networkInputSize(record.config.network)) throw new UserError(`run "${record.name}" takes ${networkInputSize(record.config.network)} inputs, its dataset's test images have ${pixels} pixels`);
  if (test.count === 0) throw new UserError(`the test set of run "${record.name}" is empty`);
  // What the request asks of the test set is checked before a process loads the network.
  check(test);
  return { record, process: await ctx.predictors.processFor(id), test };
}

/** Class probabilities of the test images `indices` (float32, as the Draw view gets them). */
async function probabilitiesOf(process: TrainerProcess, test: Dataset['test'], indices: ArrayLike<number>, timeoutMs: number): Promise<{ probabilities: Float32Array; classes: number }> {
  const size = test.rows * test.cols;
  const images = new Float32Array(indices.length * size);
  for (let r = 0; r < indices.length; r++) {
    const offset = indices[r]! * size;
    for (let i = 0; i < size; i++) images[r * size + i] = test.images[offset + i]! * PIXEL_SCALE;
  }
  const reply = await requestFromTrainer(process, { type: 'predict', images, rows: indices.length }, 'prediction', { timeoutMs });
  return { probabilities: reply.probabilities, classes: reply.cols };
}

async function computeConfusion(ctx: ServiceContext, id: string): Promise<ConfusionReport> {
  const started = performance.now();
  const { record, process, test } = await loadedRun(ctx, id);
  const classes = networkClasses(record.config.network);
  const tally = new ConfusionTally(classes);
  const batchRows = Math.max(1, Math.floor(BATCH_PIXELS / (test.rows * test.cols)));
  const indices = new Int32Array(batchRows);
  for (let start = 0; start < test.count; start += batchRows) {
    const elapsed = performance.now() - started;
    if (elapsed > CONFUSION_TIMEOUT_MS) throw new UserError(`the confusion matrix of run "${record.name}" took longer than ${CONFUSION_TIMEOUT_MS / 1000} s (${start} of ${test.count} test images done)`);
    const rows = Math.min(batchRows, test.count - start);
    const batch = indices.subarray(0, rows);
    for (let r = 0; r < rows; r++) batch[r] = start + r;
    const { probabilities } = await probabilitiesOf(process, test, batch, Math.min(BATCH_TIMEOUT_MS, CONFUSION_TIMEOUT_MS - elapsed));
    tally.add(start, test.labels.subarray(start, start + rows), probabilities);
  }
  return { ...tally.result(), iteration: record.summary?.iterations ?? null, seconds: (performance.now() - started) / 1000 };
}

/** When the run's checkpoint was last written (ms), or null without one. */
async function checkpointTime(ctx: ServiceContext, id: string): Promise<number | null> {
  try {
    return (await stat(join(ctx.store.directory(id), CHECKPOINT_FILE))).mtimeMs;
  } catch {
    return null;
  }
}

/** Every layer's output for a drawn image or a test image by index, through the run's own network. */
async function insideInput(ctx: ServiceContext, id: string, request: { pixels?: number[] | undefined; testIndex?: number | undefined }): Promise<InsideInput> {
  let process: TrainerProcess;
  let pixels: Float32Array<ArrayBuffer>;
  let testImage: TestImage | null = null;
  if (request.testIndex !== undefined) {
    const index = request.testIndex;
    const loaded = await loadedRun(ctx, id, ({ count }) => {
      if (index >= count) throw new UserError(`the test set has ${count} images; index ${index} is past its end`);
    });
    const { test } = loaded;
    const size = test.rows * test.cols;
    const bytes = test.images.subarray(index * size, (index + 1) * size);
    process = loaded.process;
    pixels = Float32Array.from(bytes, (v) => v * PIXEL_SCALE);
    testImage = { index, label: test.labels[index]!, pixels: Array.from(bytes), rows: test.rows, cols: test.cols };
  } else {
    const given = request.pixels ?? [];
    const inputs = await ctx.predictors.inputSize(id);
    if (given.length !== inputs) throw new UserError(`inputActivations: ${given.length} pixels given, run ${id} takes ${inputs}`);
    process = await ctx.predictors.processFor(id);
    pixels = Float32Array.from(given);
  }
  const reply = await requestFromTrainer(process, { type: 'inputActivations', pixels }, 'inputActivations', { timeoutMs: BATCH_TIMEOUT_MS });
  return { ...reply.activations, testImage };
}

export const inspectHandlers = {
  confusion: async (ctx, { id }) => {
    await ctx.store.get(id);
    const time = await checkpointTime(ctx, id);
    // Without a checkpoint, computing says why (no saved weights); nothing is cached.
    if (time === null) return computeConfusion(ctx, id);
    return ctx.confusions.get(id, time, async () => {
      // A network loaded before the run was continued holds older weights than this checkpoint: load it again.
      await ctx.predictors.drop(id);
      return computeConfusion(ctx, id);
    });
  },

  classifiedImages: async (ctx, { id, indices }) => {
    const { process, test } = await loadedRun(ctx, id, ({ count, rows, cols }) => {
      const outside = indices.find((index) => index >= count);
      if (outside !== undefined) throw new UserError(`the test set has ${count} images; index ${outside} is past its end`);
      const most = Math.max(1, Math.floor(MAX_REPLY_PIXELS / (rows * cols)));
      if (indices.length > most) throw new UserError(`at most ${most} test images of ${rows}x${cols} pixels come at once, ${indices.length} were asked`);
    });
    const size = test.rows * test.cols;
    const { probabilities, classes } = await probabilitiesOf(process, test, indices, BATCH_TIMEOUT_MS);
    return indices.map((index, r): ClassifiedImage => ({
      index,
      label: test.labels[index]!,
      pixels: Array.from(test.images.subarray(index * size, (index + 1) * size)),
      rows: test.rows,
      cols: test.cols,
      probabilities: Array.from(probabilities.subarray(r * classes, (r + 1) * classes)),
    }));
  },

  inputActivations: (ctx, { id, ...request }) => insideInput(ctx, id, request),
} satisfies Handlers<InspectMethod>;
