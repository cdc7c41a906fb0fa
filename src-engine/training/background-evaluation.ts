import type { BackgroundKernels, Backend } from '../backend';
import type { MultiLayerNet } from '../networks/multi-layer-net';
import type { SparseImages } from '../sparse-images';
import { Tensor } from '../tensor';

/** Images as their uint8 pixels, rowLength per image (the dense input of the first layer). */
export interface DenseImages {
  readonly pixels: Uint8Array;
  readonly rowLength: number;
}

/** One split to measure: its first `count` images and their labels. */
export interface EvaluationSplit {
  readonly images: SparseImages | DenseImages;
  readonly labels: Uint8Array;
  readonly count: number;
}

/** Correct predictions and summed loss over rows, the two totals an evaluation reports per split. */
export interface SplitTotals {
  correct: number;
  lossSum: number;
}

/**
 * Adds one chunk's scores to a split's totals: argmax against the labels, and rows times the mean softmax
 * cross-entropy (the book's accuracy() and loss() without weight decay). Shared by the synchronous and the
 * background evaluation so both add up in the same order.
 */
export function addChunkTotals(
  backend: Backend,
  scores: Tensor,
  labels: Int32Array,
  lossDelta: number,
  scratch: { predicted: Int32Array; probabilities: Tensor },
  totals: SplitTotals,
): void {
  const rows = labels.length;
  const outputs = scores.size / Math.max(rows, 1);
  backend.argmaxRows(scores.data, rows, outputs, scratch.predicted);
  for (let i = 0; i < rows; i++) if (scratch.predicted[i] === labels[i]) totals.correct++;
  const probabilities = scratch.probabilities.data.subarray(0, rows * outputs);
  totals.lossSum += rows * backend.softmaxCrossEntropy(scores.data, labels, probabilities, rows, outputs, lossDelta);
}

interface Chunk {
  readonly split: number;
  readonly start: number;
  readonly rows: number;
}

interface Slot {
  readonly indices: Int32Array;
  readonly product: Tensor;
  chunk: Chunk | undefined;
  ticket: number;
}

/**
 * An evaluation computed while training goes on. `net` holds a copy of the weights taken at the evaluated
 * iteration. The first layer's products (sparse, or gather + GEMM for dense input), most of an evaluation's
 * work (~3/4 for the book's 784-50-10), run chunk by chunk on the backend's background thread, two chunks in flight; the rest of the
 * network runs on the caller's thread when pump() finds a chunk done. The totals equal a synchronous
 * evaluation's exactly: the same kernels on the same weights, chunk by chunk in the same order.
 */
export class BackgroundEvaluation {
  private readonly chunks: Chunk[] = [];
  private readonly slots: Slot[];
  private readonly totals: SplitTotals[];
  private readonly labels: Int32Array;
  private readonly scratch: { predicted: Int32Array; probabilities: Tensor };
  private nextChunk = 0;
  private doneChunks = 0;
  /** Seconds of the caller's thread spent on this evaluation so far. */
  seconds = 0;

  constructor(
    private readonly net: MultiLayerNet,
    private readonly kernels: BackgroundKernels,
    private readonly splits: readonly EvaluationSplit[],
    chunkRows: number,
  ) {
    splits.forEach((split, index) => {
      for (let start = 0; start < split.count; start += chunkRows) this.chunks.push({ split: index, start, rows: Math.min(chunkRows, split.count - start) });
    });
    const hidden = net.affines[0].W.shape[1];
    const outputs = net.config.outputSize;
    const dtype = net.dtype;
    this.slots = [0, 1].map(() => ({ indices: new Int32Array(chunkRows), product: Tensor.zeros([chunkRows, hidden], dtype), chunk: undefined, ticket: 0 }));
    this.totals = splits.map(() => ({ correct: 0, lossSum: 0 }));
    this.labels = new Int32Array(chunkRows);
    this.scratch = { predicted: new Int32Array(chunkRows), probabilities: Tensor.zeros([chunkRows, outputs], dtype) };
    const t0 = performance.now();
    for (const slot of this.slots) this.launch(slot);
    this.seconds += (performance.now() - t0) / 1000;
  }

  get finished(): boolean {
    return this.doneChunks === this.chunks.length;
  }

  /** Finishes whatever the background thread has completed, without waiting; true once all is done. */
  pump(): boolean {
    const t0 = performance.now();
    for (;;) {
      const slot = this.oldestInFlight();
      if (!slot || !this.kernels.done(slot.ticket)) break;
      this.complete(slot);
    }
    this.seconds += (performance.now() - t0) / 1000;
    return this.finished;
  }

  /** Waits for every chunk and returns each split's accuracy and mean loss. */
  finish(): Array<{ accuracy: number; loss: number }> {
    const t0 = performance.now();
    for (let slot = this.oldestInFlight(); slot; slot = this.oldestInFlight()) {
      this.kernels.wait(slot.ticket);
      this.complete(slot);
    }
    this.seconds += (performance.now() - t0) / 1000;
    return this.splits.map((split, i) =>
      split.count === 0 ? { accuracy: NaN, loss: NaN } : { accuracy: this.totals[i].correct / split.count, loss: this.totals[i].lossSum / split.count },
    );
  }

  private oldestInFlight(): Slot | undefined {
    let oldest: Slot | undefined;
    for (const slot of this.slots) if (slot.chunk && (!oldest || slot.ticket < oldest.ticket)) oldest = slot;
    return oldest;
  }

  private launch(slot: Slot): void {
    const chunk = this.chunks[this.nextChunk];
    slot.chunk = chunk;
    if (!chunk) return;
    this.nextChunk++;
    const { images } = this.splits[chunk.split];
    const indices = slot.indices.subarray(0, chunk.rows);
    for (let i = 0; i < chunk.rows; i++) indices[i] = chunk.start + i;
    const W = this.net.affines[0].W;
    slot.ticket =
      'rowStart' in images
        ? this.kernels.sparseMatmul(images.rowStart, images.columns, images.values, images.rowLength, indices, 1 / 255, W.data, W.shape[1], slot.product.data)
        : this.kernels.gatherMatmul(images.pixels, images.rowLength, indices, 1 / 255, W.data, W.shape[1], slot.product.data);
  }

  // The rest of the network on the finished chunk, then the slot takes the next chunk.
  private complete(slot: Slot): void {
    const chunk = slot.chunk!;
    const hidden = slot.product.shape[1];
    const product = chunk.rows === slot.indices.length ? slot.product : new Tensor(slot.product.data.subarray(0, chunk.rows * hidden), [chunk.rows, hidden]);
    const scores = this.net.predictFromFirstProduct(product, false);
    const split = this.splits[chunk.split];
    const labels = this.labels.subarray(0, chunk.rows);
    for (let i = 0; i < chunk.rows; i++) labels[i] = split.labels[chunk.start + i];
    addChunkTotals(this.net.backend, scores, labels, this.net.config.lossDelta, this.scratch, this.totals[chunk.split]);
    this.doneChunks++;
    this.launch(slot);
  }
}
