import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig, type TrainConfig } from '../src-shared/config';
import type { TrainerEvent, TrainerEventType } from '../src-shared/trainer-protocol';
import { writeDenseIdxDataset } from '../src-services/data/idx-fixtures';
import { RunStore } from '../src-services/runs/run-store';
import { RunSupervisor } from '../src-services/trainers/run-supervisor';
import { testTrainerFactory } from '../src-services/trainers/test-trainers';
import type { TrainerProcessFactory } from '../src-services/trainers/trainer-process';

// A tiny conv net on generated 14x14 images: conv 4 filters 3x3 (12x12) -> BatchNorm -> ReLU -> pool 2x2 (6x6)
// -> affine 10, with Adam: the checkpoint holds a 4-d W1, Adam's m and v for every parameter, and BatchNorm's
// running statistics, all of which a resumed run needs to continue the same curve.
let config: TrainConfig;
beforeAll(async () => {
  const path = join(await mkdtemp(join(tmpdir(), 'bpw-conv-')), 'dense');
  await writeDenseIdxDataset(path, { train: 600, test: 200, rows: 14, cols: 14 });
  config = parseTrainConfig({
    dataset: { kind: 'idx', path },
    network: {
      input: [1, 14, 14],
      layers: [{ type: 'conv', filters: 4, size: 3 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'pool' }, { type: 'affine', units: 10 }],
      weightInit: 'he',
    },
    optimizer: { type: 'adam', lr: 0.01 },
    training: { iterations: 60, batchSize: 30, evaluateEvery: 20, evaluationSamples: 200 },
    backend: 'ts',
    seed: 3,
  });
});

async function supervisor(factory: TrainerProcessFactory): Promise<RunSupervisor> {
  return new RunSupervisor(new RunStore(join(await mkdtemp(join(tmpdir(), 'bpw-conv-sup-')), 'runs')), factory, { concurrency: 1 });
}

function untilEvent(sup: RunSupervisor, runId: string, type: TrainerEventType): Promise<TrainerEvent> {
  return new Promise((resolve) => {
    sup.subscribe((e) => {
      if (e.kind === 'trainer' && e.runId === runId && e.event.type === type) resolve(e.event);
    });
  });
}

type Metrics = Awaited<ReturnType<RunStore['readMetrics']>>;
const lossesOf = (lines: Metrics): Array<number | null> => lines.flatMap((l) => (l.type === 'losses' ? l.values : []));
const evaluationsOf = (lines: Metrics) => lines.flatMap((l) => (l.type === 'evaluation' ? [l] : []));

describe('a convolutional run in the trainer process', () => {
  it('trains, stops at 25, resumes from its checkpoint and gives the very losses and evaluations of a run never stopped', async () => {
    const paused = await supervisor(testTrainerFactory({ pauseAt: 25 }));
    const run = await paused.enqueue(config, { name: 'conv' });
    const pause = untilEvent(paused, run.id, 'paused');
    expect(await pause).toMatchObject({ iteration: 25 });
    await paused.stop(run.id);
    await paused.whenIdle();
    expect((await paused.store.get(run.id)).status).toBe('stopped');
    const checkpoint = await paused.store.readCheckpoint(run.id);
    expect(checkpoint?.tensors.W1?.shape).toEqual([4, 1, 3, 3]);
    expect(Object.keys(checkpoint?.tensors ?? {}).sort()).toEqual(
      ['W1', 'W2', 'b1', 'b2', 'beta1', 'gamma1', 'runningMean1', 'runningVar1', ...['s1', 's2'].flatMap((s) => ['W1', 'W2', 'b1', 'b2', 'beta1', 'gamma1'].map((p) => `optimizer.${s}.${p}`))].sort(),
    );
    await paused.resumeRun(run.id);
    await paused.whenIdle();
    const record = await paused.store.get(run.id);
    expect(record.status).toBe('completed');
    expect(record.name).toBe('conv');
    const resumed = await paused.store.readMetrics(run.id);

    const plain = await supervisor(testTrainerFactory());
    const reference = await plain.enqueue(config, { name: 'conv reference' });
    await plain.whenIdle();
    const straight = await plain.store.readMetrics(reference.id);
    expect(lossesOf(resumed)).toHaveLength(60);
    expect(lossesOf(resumed)).toEqual(lossesOf(straight));
    expect(evaluationsOf(resumed)).toEqual(evaluationsOf(straight));
    // Evaluated on the schedule (1, 21, 41) and after the last update, each with the gradient flow of its two
    // layers with weights (Conv1, Affine1), all finite and nonzero.
    expect(evaluationsOf(straight).map((e) => e.iteration)).toEqual([1, 21, 41, 60]);
    for (const evaluation of evaluationsOf(straight)) {
      expect(evaluation.gradients).toHaveLength(2);
      expect(evaluation.gradients!.every((l) => [l.weightNorm, l.biasNorm, l.updateRatio].every((v) => v !== null && v > 0))).toBe(true);
    }
    // The generated digits are easy: 60 updates learn them well past chance.
    expect(record.summary?.testAccuracy).toBeGreaterThan(0.5);
  });
});
