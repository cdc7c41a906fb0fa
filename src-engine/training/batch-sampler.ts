import type { Rng } from '../rng';
import type { TrainingSchedule } from './train-spec';

/** Where the sampler stands, as a checkpoint keeps it (with the RNG state, which the sampler shares). */
export type SamplerState = {
  /** The shuffled order being walked ('shuffle' sampling), else null. */
  readonly permutation: number[] | null;
  readonly permutationPosition: number;
  /** The batch already drawn for the next step; absent or null when it is drawn at that step. */
  readonly nextBatch?: number[] | null;
};

/**
 * Minibatches of training-set indices as the book draws them: independently with replacement
 * (np.random.choice(train_size, batch_size)), or by walking shuffled epochs. The trainer draws each step's
 * successor as soon as the step's own random draws (dropout masks) are done, so the random stream is consumed
 * in the order of drawing every batch when needed, while the batch's pixels can start coming from memory
 * early (see SplitImages.prefetch).
 */
export class BatchSampler {
  /** The current step's batch: the same array every step. */
  readonly batch: Int32Array;
  private readonly ahead: Int32Array;
  private hasAhead = false;
  private readonly permutation: Int32Array | undefined;
  private position = 0;

  constructor(private readonly rng: Rng, private readonly count: number, batchSize: number, sampling: TrainingSchedule['sampling']) {
    this.batch = new Int32Array(batchSize);
    this.ahead = new Int32Array(batchSize);
    if (sampling === 'shuffle') {
      if (batchSize > count) throw new RangeError(`training.batchSize ${batchSize} exceeds the ${count} training samples`);
      this.permutation = Int32Array.from({ length: count }, (_, i) => i);
      rng.shuffle(this.permutation);
    }
  }

  /** The next step's batch: the one drawn ahead, or a fresh draw when none was. */
  take(): Int32Array {
    if (this.hasAhead) this.batch.set(this.ahead);
    else this.draw(this.batch);
    this.hasAhead = false;
    return this.batch;
  }

  /** Draws the following step's batch now (once; later calls return the same) and returns it. */
  drawAhead(): Int32Array {
    if (!this.hasAhead) this.draw(this.ahead);
    this.hasAhead = true;
    return this.ahead;
  }

  /** Where the sampler stands, for a checkpoint. */
  state(): SamplerState {
    return {
      permutation: this.permutation ? Array.from(this.permutation) : null,
      permutationPosition: this.position,
      nextBatch: this.hasAhead ? Array.from(this.ahead) : null,
    };
  }

  /** Continues from a saved state; without nextBatch (older checkpoints) the next batch is drawn when taken. */
  restore(state: SamplerState): void {
    // Every index is checked against the training set before use: a damaged checkpoint must not make the
    // kernels read outside the images.
    const outside = (indices: readonly number[]): boolean => indices.some((i) => !Number.isInteger(i) || i < 0 || i >= this.count);
    if (this.permutation && state.permutation) {
      if (state.permutation.length !== this.permutation.length || outside(state.permutation)) throw new RangeError('checkpoint batch order does not fit the training set');
      if (state.permutationPosition > state.permutation.length) throw new RangeError('checkpoint batch position is past the end of its order');
      this.permutation.set(state.permutation);
      this.position = state.permutationPosition;
    }
    if (state.nextBatch) {
      if (state.nextBatch.length !== this.ahead.length) throw new RangeError(`checkpoint's next batch has ${state.nextBatch.length} samples, the batch size is ${this.ahead.length}`);
      if (outside(state.nextBatch)) throw new RangeError(`checkpoint's next batch names samples outside the ${this.count} training samples`);
      this.ahead.set(state.nextBatch);
    }
    this.hasAhead = Boolean(state.nextBatch);
  }

  private draw(into: Int32Array): void {
    if (!this.permutation) {
      for (let i = 0; i < into.length; i++) into[i] = this.rng.integer(this.count);
      return;
    }
    if (this.position + into.length > this.permutation.length) {
      this.rng.shuffle(this.permutation);
      this.position = 0;
    }
    into.set(this.permutation.subarray(this.position, this.position + into.length));
    this.position += into.length;
  }
}
