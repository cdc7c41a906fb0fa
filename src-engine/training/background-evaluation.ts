import type { Backend, BackgroundKernels } from '../backend';
import type { Affine } from '../layers/affine';
import type { TrainableNetwork } from '../networks/trainable-network';
import type { InputBatch } from '../ops';
import { Tensor } from '../tensor';
import { SplitTotals, type EvaluationSplit, type SplitMeasure } from './evaluation';

/**
 * The first layer's x W1 for a chunk of images, computed on the background thread: as the net's input, its
 * matmul copies the product into the layer's output (rows x hidden values, little next to computing them), so
 * the evaluation's copy of the net runs its ordinary predict().
 */
class FirstLayerProduct implements InputBatch {
  readonly shape: readonly [rows: number, cols: number];

  constructor(private readonly product: Tensor, private readonly W: Tensor) {
    this.shape = [product.shape[0], W.shape[0]];
  }

  /** out = the product computed ahead (for the W it was computed with). */
  matmul(_: Backend, W: Tensor, out: Tensor): void {
    if (W !== this.W) throw new Error('a first-layer product computed ahead is only valid for the W it was computed with');
    out.data.set(this.product.data);
  }

  matmulTransposedA(): void {
    throw new Error('a first-layer product computed ahead is for evaluation: it has no weight gradient');
  }
}

/** Copies the weights and BatchNorm running statistics of one net into another of the same spec. */
export function copyWeights(from: TrainableNetwork, to: TrainableNetwork): void {
  for (const [key, param] of Object.entries(from.params)) to.params[key].data.set(param.data);
  const stats = to.runningStatistics;
  for (const [key, stat] of Object.entries(from.runningStatistics)) stats[key].data.set(stat.data);
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

type InFlight = Slot & { chunk: Chunk };

function inFlight(slot: Slot): slot is InFlight {
  return slot.chunk !== undefined;
}

/**
 * An evaluation computed while training goes on. `net` holds a copy of the weights taken at the evaluated
 * iteration. The first layer's products (sparse, or gather + GEMM for dense input), most of an evaluation's
 * work for the book's 784-50-10, run chunk by chunk on the backend's background thread, two chunks in flight;
 * the rest of the network runs on the caller's thread when pump() finds a chunk done. The totals equal an
 * in-place evaluation's exactly: the same kernels on the same weights, chunk by chunk in the same order.
 */
export class BackgroundEvaluation {
  private readonly chunks: Chunk[] = [];
  private readonly slots: Slot[];
  private readonly totals: SplitTotals[];
  private readonly labels: Int32Array;
  private nextChunk = 0;
  private doneChunks = 0;

  constructor(
    private readonly net: TrainableNetwork,
    private readonly first: Affine,
    private readonly kernels: BackgroundKernels,
    private readonly splits: readonly EvaluationSplit[],
    chunkRows: number,
  ) {
    splits.forEach((split, index) => {
      for (let start = 0; start < split.count; start += chunkRows) this.chunks.push({ split: index, start, rows: Math.min(chunkRows, split.count - start) });
    });
    const hidden = first.W.shape[1];
    this.slots = [0, 1].map(() => ({ indices: new Int32Array(chunkRows), product: Tensor.zeros([chunkRows, hidden], net.dtype), chunk: undefined, ticket: 0 }));
    this.totals = splits.map(() => new SplitTotals(net, chunkRows));
    this.labels = new Int32Array(chunkRows);
    for (const slot of this.slots) this.launch(slot);
  }

  /** Finishes whatever the background thread has completed, without waiting; true once all is done. */
  pump(): boolean {
    for (let slot = this.oldestInFlight(); slot && this.kernels.done(slot.ticket); slot = this.oldestInFlight()) this.complete(slot);
    return this.doneChunks === this.chunks.length;
  }

  /** Waits for every chunk and returns each split's accuracy and mean loss. */
  finish(): SplitMeasure[] {
    for (let slot = this.oldestInFlight(); slot; slot = this.oldestInFlight()) {
      this.kernels.wait(slot.ticket);
      this.complete(slot);
    }
    return this.splits.map((split, i) => this.totals[i].measure(split.count));
  }

  private oldestInFlight(): InFlight | undefined {
    let oldest: InFlight | undefined;
    for (const slot of this.slots) if (inFlight(slot) && (!oldest || slot.ticket < oldest.ticket)) oldest = slot;
    return oldest;
  }

  private launch(slot: Slot): void {
    const chunk = this.chunks[this.nextChunk];
    slot.chunk = chunk;
    if (!chunk) return;
    this.nextChunk++;
    const indices = slot.indices.subarray(0, chunk.rows);
    for (let i = 0; i < chunk.rows; i++) indices[i] = chunk.start + i;
    slot.ticket = this.splits[chunk.split].images.queueProduct(this.kernels, indices, this.first.W, slot.product);
  }

  // The rest of the network on the finished chunk, then the slot takes the next chunk.
  private complete(slot: InFlight): void {
    const { chunk } = slot;
    const hidden = slot.product.shape[1];
    const product = chunk.rows === slot.indices.length ? slot.product : new Tensor(slot.product.data.subarray(0, chunk.rows * hidden), [chunk.rows, hidden]);
    const scores = this.net.predict(new FirstLayerProduct(product, this.first.W), false);
    const indices = slot.indices.subarray(0, chunk.rows);
    this.totals[chunk.split].add(scores, this.splits[chunk.split].images.labelsOf(indices, this.labels.subarray(0, chunk.rows)));
    this.doneChunks++;
    this.launch(slot);
  }
}
