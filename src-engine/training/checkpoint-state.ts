import type { TrainableNetwork } from '../networks/trainable-network';
import type { Optimizer } from '../optimizers';
import type { Rng, RngState } from '../rng';
import type { Tensor } from '../tensor';
import type { BatchSampler, SamplerState } from './batch-sampler';
import type { EvaluationRecord } from './evaluation-record';

/** The JSON part of a checkpoint: where the run stands. Weights and optimizer state are its tensors. */
export type TrainerSnapshotMeta = SamplerState & {
  /** Updates made. */
  readonly iteration: number;
  /** The run's one random stream (initial weights, batches, dropout masks), after the last draw. */
  readonly rng: RngState;
  readonly lastEvaluation: EvaluationRecord | null;
  /** Adam's step counter t; its state tensors are in the checkpoint. */
  readonly optimizerStep?: number;
};

export interface TrainerSnapshot {
  readonly tensors: Record<string, Tensor>;
  readonly meta: TrainerSnapshotMeta;
}

/** The parts of a trainer a snapshot covers. */
export interface TrainingState {
  readonly net: TrainableNetwork;
  readonly optimizer: Optimizer;
  readonly sampler: BatchSampler;
  readonly rng: Rng;
}

/** Everything needed to continue a run later on the same random stream: the tensors by reference, plus meta. */
export function takeSnapshot(state: TrainingState, iteration: number, lastEvaluation: EvaluationRecord | undefined): TrainerSnapshot {
  const optimizer = state.optimizer.snapshot();
  return {
    tensors: { ...state.net.params, ...state.net.runningStatistics, ...optimizer.tensors },
    meta: { iteration, rng: state.rng.state(), ...state.sampler.state(), lastEvaluation: lastEvaluation ?? null, optimizerStep: optimizer.step },
  };
}

/** Puts the parts back as a snapshot of a run with the same spec has them (weights copied, not shared). */
export function restoreSnapshot(state: TrainingState, tensors: Readonly<Record<string, Tensor>>, meta: TrainerSnapshotMeta): void {
  for (const [key, tensor] of Object.entries({ ...state.net.params, ...state.net.runningStatistics })) {
    const saved = tensors[key];
    if (!saved || saved.size !== tensor.size) {
      throw new RangeError(`checkpoint does not fit this network: ${key} ${saved ? `has ${saved.size} values, expected ${tensor.size}` : 'is missing'}`);
    }
    tensor.data.set(saved.data);
  }
  state.optimizer.restore({ tensors, step: meta.optimizerStep ?? 0 });
  state.rng.setState(meta.rng);
  state.sampler.restore(meta);
}

/**
 * The meta of a checkpoint file as a TrainerSnapshotMeta, checked field by field so that a damaged or foreign
 * file fails here, naming the field. JSON has no NaN: an evaluation's NaN (no samples) comes back from null.
 */
export function snapshotMetaFrom(meta: Readonly<Record<string, unknown>>): TrainerSnapshotMeta {
  const rng = objectField(meta, 'rng');
  const words = integers(rng.words, 'rng.words');
  if (words.length !== 4) throw invalid('rng.words', 'four uint32 words');
  const spareNormal = rng.spareNormal;
  if (spareNormal !== null && typeof spareNormal !== 'number') throw invalid('rng.spareNormal', 'a number or null');
  const evaluation = meta.lastEvaluation;
  return {
    iteration: count(meta.iteration, 'iteration'),
    rng: { words: [words[0], words[1], words[2], words[3]], spareNormal },
    permutation: meta.permutation === null ? null : integers(meta.permutation, 'permutation'),
    permutationPosition: count(meta.permutationPosition, 'permutationPosition'),
    nextBatch: meta.nextBatch === undefined || meta.nextBatch === null ? null : integers(meta.nextBatch, 'nextBatch'),
    lastEvaluation: evaluation === null || evaluation === undefined ? null : evaluationFrom(objectField(meta, 'lastEvaluation')),
    optimizerStep: meta.optimizerStep === undefined ? 0 : count(meta.optimizerStep, 'optimizerStep'),
  };
}

function evaluationFrom(record: Readonly<Record<string, unknown>>): EvaluationRecord {
  const measured = (key: string): number => {
    const value = record[key];
    if (value === null) return NaN;
    if (typeof value !== 'number') throw invalid(`lastEvaluation.${key}`, 'a number');
    return value;
  };
  return {
    iteration: count(record.iteration, 'lastEvaluation.iteration'),
    epoch: measured('epoch'),
    trainAccuracy: measured('trainAccuracy'),
    testAccuracy: measured('testAccuracy'),
    trainLoss: measured('trainLoss'),
    testLoss: measured('testLoss'),
    final: record.final === true,
  };
}

function invalid(field: string, expected: string): RangeError {
  return new RangeError(`checkpoint meta: ${field} should be ${expected}`);
}

function objectField(meta: Readonly<Record<string, unknown>>, key: string): Readonly<Record<string, unknown>> {
  const value = meta[key];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(key, 'an object');
  return Object.fromEntries(Object.entries(value));
}

function count(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid(field, 'a non-negative integer');
  return value;
}

function integers(value: unknown, field: string): number[] {
  if (!Array.isArray(value)) throw invalid(field, 'an array of non-negative integers');
  return value.map((v: unknown, i) => count(v, `${field}[${i}]`));
}
