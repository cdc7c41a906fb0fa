import { describe, expect, it } from 'vitest';
import { parseTrainConfig, type TrainConfigInput } from '../../src-shared/config';
import { createTsBackend } from '../../src-engine/backends/ts-backend';
import type { Dataset, DatasetSplit } from '../../src-engine/dataset';
import { Trainer } from '../../src-engine/training/trainer';
import { expectedTensors } from './checkpoint-fit';

/** 40 random 4x4 images in 3 classes: enough to build a network and take two steps. */
function tinyDataset(): Dataset {
  const split = (count: number): DatasetSplit => ({
    count,
    rows: 4,
    cols: 4,
    images: Uint8Array.from({ length: count * 16 }, (_, i) => (i * 7919) % 256),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 3),
  });
  return { name: 'tiny', directory: '(memory)', classes: 3, train: split(40), test: split(10) };
}

describe('expectedTensors', () => {
  it.each<[string, TrainConfigInput]>([
    ['SGD, no batch normalisation', {}],
    ['Adam with batch normalisation, two hidden layers', { network: { hiddenSizes: [5, 4], batchNorm: true }, optimizer: { type: 'adam' } }],
    ['momentum', { optimizer: { type: 'momentum' } }],
  ])('names and shapes what a trainer of the config saves (%s)', (_name, input) => {
    const config = parseTrainConfig({ network: { inputSize: 16, hiddenSizes: [6], outputSize: 3, ...input.network }, training: { iterations: 2, batchSize: 10, evaluationSamples: 5 }, backend: 'ts', optimizer: input.optimizer });
    const trainer = new Trainer(config, tinyDataset(), createTsBackend(), { backgroundEvaluation: false });
    trainer.advance();
    const saved = Object.fromEntries(Object.entries(trainer.snapshot().tensors).map(([name, t]) => [name, [...t.shape]]));
    const { required, optional } = expectedTensors(config);
    expect(saved).toEqual(Object.fromEntries([...required, ...optional]));
  });
});
