import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../dataset';
import { bundledMnistDirectory, loadIdxDataset } from '../../src-services/data/load-dataset';
import { decodeCheckpoint } from '../../src-services/runs/checkpoint';
import { createTsBackend } from '../backends/ts-backend';
import { OPTIMIZER_DEFAULTS } from '../optimizers';
import { snapshotMetaFrom } from './checkpoint-state';
import { Trainer } from './trainer';
import { trainSpec, type TrainSpec, type TrainSpecInput } from './train-spec';

const ts = createTsBackend();
let mnist: Dataset;
beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

/** Every batch loss of `iterations` updates; at `resumeAt`, the run goes on in a fresh trainer from a snapshot stored as JSON. */
function lossesResumed(spec: TrainSpec, iterations: number, resumeAt: number): number[] {
  let trainer = new Trainer(spec, mnist, ts);
  const losses: number[] = [];
  for (let i = 0; i < iterations; i++) {
    if (i === resumeAt) {
      const { tensors, meta } = trainer.snapshot();
      const copies = Object.fromEntries(Object.entries(tensors).map(([key, t]) => [key, t.clone()]));
      trainer = new Trainer(spec, mnist, ts);
      trainer.restore(copies, snapshotMetaFrom(JSON.parse(JSON.stringify(meta))));
    }
    losses.push(trainer.advance().loss);
  }
  return losses;
}

const small: TrainSpecInput = { network: { hiddenSizes: [8] }, training: { iterations: 40, evaluateEvery: 1000, evaluationSamples: 20 } };

describe('a resumed run continues the same curve, bit for bit', () => {
  it('with dropout masks and shuffled epochs drawing from the one random stream (the batch drawn ahead is in the checkpoint)', () => {
    // 120 samples in batches of 50: a reshuffle every second step, so resuming at 25 lands between two.
    const spec = trainSpec({ ...small, network: { hiddenSizes: [8], dropout: 0.3 }, training: { ...small.training, sampling: 'shuffle', trainSubset: 120, batchSize: 50 } });
    const straight = lossesResumed(spec, 40, -1);
    expect(lossesResumed(spec, 40, 25)).toEqual(straight);
    expect(lossesResumed(spec, 40, 24)).toEqual(straight);
  });

  it('with batches drawn with replacement and Adam\'s state and step counter', () => {
    const spec = trainSpec({ ...small, optimizer: OPTIMIZER_DEFAULTS.adam, training: { ...small.training, trainSubset: 300, batchSize: 30 } });
    expect(lossesResumed(spec, 40, 17)).toEqual(lossesResumed(spec, 40, -1));
  });

  it('records the next batch, already drawn, in the snapshot', () => {
    const trainer = new Trainer(trainSpec(small), mnist, ts);
    trainer.advance();
    const { meta } = trainer.snapshot();
    expect(meta.nextBatch).toHaveLength(100);
    expect(meta.nextBatch).not.toEqual(Array.from(trainer.lastBatchIndices));
    trainer.advance();
    expect(Array.from(trainer.lastBatchIndices)).toEqual(meta.nextBatch);
  });
});

describe('checkpoints written before batches were drawn ahead', () => {
  const fixtures = JSON.parse(readFileSync(new URL('./fixtures/old-checkpoints.json', import.meta.url), 'utf8')) as Record<string, { losses: number[] }>;
  const cases: Array<[name: string, spec: TrainSpec]> = [
    ['shuffle-dropout', trainSpec({ network: { hiddenSizes: [4], dropout: 0.2 }, training: { iterations: 40, evaluateEvery: 1000, evaluationSamples: 20, sampling: 'shuffle', trainSubset: 120, batchSize: 50 }, seed: 7 })],
    ['replacement-adam', trainSpec({ network: { hiddenSizes: [4] }, optimizer: OPTIMIZER_DEFAULTS.adam, training: { iterations: 40, evaluateEvery: 1000, evaluationSamples: 20, trainSubset: 300, batchSize: 30 }, seed: 8 })],
  ];

  it.each(cases)('%s: resume on the curve the old trainer drew, the next batch drawn from the saved RNG state', (name, spec) => {
    const expected = fixtures[name].losses;
    // A Uint8Array of its own, as readCheckpoint reads files (a Buffer's slice would share the whole pool).
    const checkpoint = decodeCheckpoint(new Uint8Array(readFileSync(new URL(`./fixtures/${name}-25.ckpt`, import.meta.url))), name);
    const meta = snapshotMetaFrom(checkpoint.meta);
    expect(meta.nextBatch).toBeNull();
    const trainer = new Trainer(spec, mnist, ts);
    trainer.restore(checkpoint.tensors, meta);
    expect(trainer.iteration).toBe(25);
    const resumed = Array.from({ length: 15 }, () => trainer.advance().loss);
    expect(resumed).toEqual(expected.slice(25));
    // And a run from scratch draws the old curve from its first update.
    const fresh = new Trainer(spec, mnist, ts);
    expect(Array.from({ length: 40 }, () => fresh.advance().loss)).toEqual(expected);
  });
});

describe('snapshotMetaFrom', () => {
  const meta = {
    iteration: 3,
    rng: { words: [1, 2, 3, 4], spareNormal: null },
    permutation: null,
    permutationPosition: 0,
    lastEvaluation: { iteration: 1, epoch: 0.01, trainAccuracy: null, testAccuracy: 0.5, trainLoss: 2.3, testLoss: 2.2, final: false },
  };

  it('reads a checkpoint\'s JSON, NaN back from the null JSON wrote for it, absent fields as before they existed', () => {
    const read = snapshotMetaFrom(meta);
    expect(read.lastEvaluation?.trainAccuracy).toBeNaN();
    expect(read.lastEvaluation?.testAccuracy).toBe(0.5);
    expect(read.nextBatch).toBeNull();
    expect(read.optimizerStep).toBe(0);
    expect(read.rng).toEqual({ words: [1, 2, 3, 4], spareNormal: null });
  });

  it('names the field of a damaged checkpoint', () => {
    expect(() => snapshotMetaFrom({ ...meta, iteration: -1 })).toThrow(/checkpoint meta: iteration should be a non-negative integer/);
    expect(() => snapshotMetaFrom({ ...meta, rng: { words: [1, 2, 3] } })).toThrow(/rng.words should be four uint32 words/);
    expect(() => snapshotMetaFrom({ ...meta, permutation: [0, 'x'] })).toThrow(/permutation\[1\] should be/);
    expect(() => snapshotMetaFrom({ ...meta, lastEvaluation: 'no' })).toThrow(/lastEvaluation should be an object/);
  });
});
