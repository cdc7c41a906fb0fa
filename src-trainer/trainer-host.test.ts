import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TrainConfigInput } from '../src-shared/config';
import { parseTrainConfig } from '../src-shared/config';
import type { TrainerEvent, TrainerEventType } from '../src-shared/trainer-protocol';
import { writeDenseIdxDataset } from '../src-services/data/idx-fixtures';
import { RunStore } from '../src-services/runs/run-store';
import { RunSupervisor } from '../src-services/trainers/run-supervisor';
import { testTrainerFactory } from '../src-services/trainers/test-trainers';
import type { TrainerProcess, TrainerProcessFactory } from '../src-services/trainers/trainer-process';
import { nativeForTests } from '../src-services/backends/native-for-tests';

const spawned: TrainerProcess[] = [];

/** A real trainer process under Node, with its events collected. */
function startTrainer(): { trainer: TrainerProcess; events: TrainerEvent[]; until: (type: TrainerEventType, count?: number) => Promise<TrainerEvent> } {
  const trainer = testTrainerFactory()();
  spawned.push(trainer);
  const events: TrainerEvent[] = [];
  const waiters: Array<() => void> = [];
  trainer.onEvent((event) => {
    events.push(event);
    for (const wake of waiters.splice(0)) wake();
  });
  const until = async (type: TrainerEventType, count = 1): Promise<TrainerEvent> => {
    for (;;) {
      const seen = events.filter((e) => e.type === type);
      if (seen.length >= count) return seen[count - 1];
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { trainer, events, until };
}

// A generated set of 2000 training and 500 test images of 14x14 pixels: what these tests check does not depend
// on the data, each trainer process reads it in milliseconds instead of unpacking MNIST, and its steps cost a
// quarter of MNIST's.
const PIXELS = 14 * 14;
let dataset: { kind: 'idx'; path: string };
let small: TrainConfigInput;
beforeAll(async () => {
  dataset = { kind: 'idx', path: join(await mkdtemp(join(tmpdir(), 'bpw-host-')), 'dense') };
  await writeDenseIdxDataset(dataset.path, { train: 2000, test: 500, rows: 14, cols: 14 });
  small = { dataset, network: { inputSize: PIXELS, hiddenSizes: [16] }, training: { iterations: 120, batchSize: 50, trainSubset: 2000, evaluationSamples: 500 }, backend: 'ts' };
});

afterEach(() => {
  for (const trainer of spawned.splice(0)) trainer.kill('SIGKILL');
});

describe('the trainer process under Node', () => {
  it('trains and streams ready, batched progress with every loss, epochs and finished', async () => {
    const { trainer, events, until } = startTrainer();
    trainer.send({ type: 'start', config: parseTrainConfig(small) });
    const finished = await until('finished');
    expect(finished).toMatchObject({ type: 'finished', status: 'completed', iterations: 120 });
    expect(events[0]).toMatchObject({ type: 'ready', backend: 'ts', iteration: 0, total: 120 });
    const progress = events.filter((e) => e.type === 'progress');
    const losses = progress.flatMap((e) => (e.type === 'progress' ? Array.from(e.losses) : []));
    expect(losses).toHaveLength(120);
    expect(progress.every((e) => e.type === 'progress' && e.losses instanceof Float64Array)).toBe(true);
    // progress starts are contiguous: nothing lost, nothing repeated
    let next = 0;
    for (const e of progress) if (e.type === 'progress') { expect(e.start).toBe(next); next += e.losses.length; }
    // 2000 / 50 = 40 updates per epoch: after i = 0, 40, 80, then the final one at 120
    expect(events.flatMap((e) => (e.type === 'epoch' ? [e.record.iteration] : []))).toEqual([1, 41, 81, 120]);
    // Each with the gradient flow of its update, per Affine layer, through the protocol's schema.
    expect(events.flatMap((e) => (e.type === 'epoch' ? [e.record.gradients?.length] : []))).toEqual([2, 2, 2, 2]);
  });

  it('answers predict, evaluate and exportWeights requests, and gradient checks any config', async () => {
    const { trainer, until } = startTrainer();
    trainer.send({ type: 'start', config: parseTrainConfig({ ...small, training: { ...small.training, iterations: 20 } }) });
    await until('finished');
    trainer.send({ type: 'predict', requestId: 'p1', images: new Float32Array(2 * PIXELS).fill(0.5), rows: 2 });
    const prediction = await until('prediction');
    expect(prediction.type === 'prediction' && [prediction.rows, prediction.cols, prediction.probabilities.length]).toEqual([2, 10, 20]);
    if (prediction.type === 'prediction') {
      const sum = prediction.probabilities.subarray(0, 10).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 5); // float32 probabilities: ~1e-7 each
    }
    trainer.send({ type: 'inputGradient', requestId: 's1', pixels: new Float32Array(PIXELS).fill(0.5), classIndex: 3 });
    const saliency = await until('inputGradient');
    expect(saliency.type === 'inputGradient' && [saliency.classIndex, saliency.gradient.length, saliency.probabilities.length]).toEqual([3, PIXELS, 10]);
    trainer.send({ type: 'exportWeights', requestId: 'w' });
    const weights = await until('weights');
    expect(weights.type === 'weights' && weights.tensors.map((t) => [t.name, t.shape])).toEqual([['W1', [PIXELS, 16]], ['b1', [16]], ['W2', [16, 10]], ['b2', [10]]]);
    trainer.send({ type: 'gradientCheck', requestId: 'g', config: parseTrainConfig({ dataset, network: { inputSize: PIXELS, hiddenSizes: [5], lossDelta: 0 }, dtype: 'float64', backend: 'ts' }), samples: 2 });
    const check = await until('gradientCheck');
    expect(check.type === 'gradientCheck' && check.bound).toBe(1e-9);
    expect(check.type === 'gradientCheck' && Object.keys(check.differences).sort()).toEqual(['W1', 'W2', 'b1', 'b2']);
    if (check.type === 'gradientCheck') for (const value of Object.values(check.differences)) expect(value).toBeLessThanOrEqual(check.bound);
    trainer.send({ type: 'activationHistograms', requestId: 'h', samples: 300 });
    const histograms = await until('activationHistograms');
    expect(histograms.type === 'activationHistograms' && histograms.activations.samples).toBe(300);
    if (histograms.type === 'activationHistograms') {
      expect(histograms.activations.layers.map((l) => l.name)).toEqual(['Relu1']);
      const { counts, below, above } = histograms.activations.layers[0]!.histogram;
      // Every one of the 300 test images' 16 hidden activations lands in a bin: the range ends at the largest.
      expect([counts.reduce((a, b) => a + b, 0), below, above]).toEqual([300 * 16, 0, 0]);
    }
    trainer.send({ type: 'weightHistograms', requestId: 'wh', bins: 30 });
    const weightHistograms = await until('weightHistograms');
    if (weightHistograms.type !== 'weightHistograms') throw new Error('no weight histograms');
    expect(weightHistograms.layers.map((l) => [l.name, l.histogram.counts.length, l.histogram.counts.reduce((a, b) => a + b, 0)])).toEqual([['W1', 30, PIXELS * 16], ['W2', 30, 16 * 10]]);
    trainer.send({ type: 'predict', requestId: 'bad', images: new Float32Array(5), rows: 2 });
    const failure = await until('requestFailed');
    expect(failure).toMatchObject({ requestId: 'bad', reason: expect.stringMatching(/5 values for 2 images of 196 pixels/) });
    trainer.send({ type: 'inputGradient', requestId: 's2', pixels: new Float32Array(PIXELS), classIndex: 10 });
    expect(await until('requestFailed', 2)).toMatchObject({ requestId: 's2', reason: expect.stringMatching(/class 10 is not one of 0\.\.9/) });
  });

  it('refuses a trace or a gradient check over the memory budget before building it, and outlives a Ctrl+C', async () => {
    const { trainer, until } = startTrainer();
    const huge = parseTrainConfig({ dataset, network: { inputSize: PIXELS, hiddenSizes: new Array(32).fill(8192) }, dtype: 'float64' });
    trainer.send({ type: 'layerGraph', requestId: 'trace', config: huge, batchSize: 100 });
    expect(await until('requestFailed')).toMatchObject({ requestId: 'trace', reason: expect.stringMatching(/^invalid config: network\.hiddenSizes: this trace needs about \d+ GB of memory/) });
    // Its parent stops a trainer (with a checkpoint): a SIGINT, as a terminal's Ctrl+C sends it, is ignored.
    trainer.kill('SIGINT');
    trainer.send({ type: 'gradientCheck', requestId: 'check', config: huge, samples: 3 });
    expect(await until('requestFailed', 2)).toMatchObject({ requestId: 'check', reason: expect.stringMatching(/^invalid config: network\.hiddenSizes: this gradient check needs about \d+ GB/) });
  });

  it('rejects invalid commands with the field, pauses, resumes and stops', async () => {
    const { trainer, events, until } = startTrainer();
    trainer.send({ type: 'start', config: { training: { batchSize: -5 } } } as never);
    const log = await until('log');
    expect(log.type === 'log' && log.message).toMatch(/invalid command: config.training.batchSize/);
    trainer.send({ type: 'evaluate', requestId: 'too-early' });
    expect(await until('requestFailed')).toMatchObject({ reason: expect.stringMatching(/start or load a run first/) });
    trainer.send({ type: 'start', config: parseTrainConfig({ ...small, training: { ...small.training, iterations: 1_000_000 } }) });
    await until('progress');
    trainer.send({ type: 'pause' });
    const paused = await until('paused');
    trainer.send({ type: 'resume' });
    const resumed = await until('resumed');
    // Nothing trains while paused: a host that kept training would run its next slice before it could read
    // the resume, so any step in between would show here, and so would its progress.
    expect(resumed.type === 'resumed' && resumed.iteration).toBe(paused.type === 'paused' && paused.iteration);
    expect(events[events.indexOf(paused) + 1]).toBe(resumed);
    await until('progress', events.filter((e) => e.type === 'progress').length + 1);
    trainer.send({ type: 'stop' });
    const finished = await until('finished');
    expect(finished).toMatchObject({ status: 'stopped' });
    expect(finished.type === 'finished' && paused.type === 'paused' && finished.iterations).toBeGreaterThan(paused.type === 'paused' ? paused.iteration : 0);
  });

  it('a stop sent while the run starts stops it before its first step; the next start in the same process trains', async () => {
    const { trainer, until } = startTrainer();
    // The stop arrives while the trainer reads its dataset: before, it was dropped and the run trained to its end.
    trainer.send({ type: 'start', config: parseTrainConfig({ ...small, training: { ...small.training, iterations: 1_000_000 } }) });
    trainer.send({ type: 'stop' });
    expect(await until('finished')).toMatchObject({ status: 'stopped', iterations: 0 });
    trainer.send({ type: 'start', config: parseTrainConfig(small) });
    expect(await until('finished', 2)).toMatchObject({ status: 'completed', iterations: 120 });
  });
});

/** A supervisor's trainer events, and a wait for the first of a type from one run. */
function watch(sup: RunSupervisor): (runId: string, type: TrainerEventType) => Promise<TrainerEvent> {
  const seen: Array<{ runId: string; event: TrainerEvent }> = [];
  const waiters = new Set<() => void>();
  sup.subscribe((e) => {
    if (e.kind !== 'trainer') return;
    seen.push({ runId: e.runId, event: e.event });
    for (const wake of [...waiters]) wake();
  });
  return (runId, type) =>
    new Promise((resolve) => {
      const check = (): void => {
        const hit = seen.find((s) => s.runId === runId && s.event.type === type);
        if (!hit) return;
        waiters.delete(check);
        resolve(hit.event);
      };
      waiters.add(check);
      check();
    });
}

describe('RunSupervisor with real trainer processes', () => {
  async function supervisor(factory: TrainerProcessFactory, concurrency = 2): Promise<RunSupervisor> {
    const store = new RunStore(join(await mkdtemp(join(tmpdir(), 'bpw-sup-')), 'runs'));
    return new RunSupervisor(store, factory, { concurrency });
  }
  const lossesOf = (lines: Awaited<ReturnType<RunStore['readMetrics']>>): Array<number | null> => lines.flatMap((l) => (l.type === 'losses' ? l.values : []));
  const evaluatedAt = (lines: Awaited<ReturnType<RunStore['readMetrics']>>): number[] => lines.flatMap((l) => (l.type === 'evaluation' ? [l.iteration] : []));

  it('runs two at once to completion with their metrics; a stopped run resumes on the same loss curve', async () => {
    // Every run of this supervisor pauses itself after step 30 (the test entry's step hook).
    const sup = await supervisor(testTrainerFactory({ pauseAt: 30 }));
    const until = watch(sup);
    const a = await sup.enqueue(parseTrainConfig({ ...small, seed: 4 }), { name: 'a' });
    const b = await sup.enqueue(parseTrainConfig({ ...small, seed: 9 }), { name: 'b' });
    expect(await until(a.id, 'paused')).toMatchObject({ iteration: 30 });
    expect(await until(b.id, 'paused')).toMatchObject({ iteration: 30 });
    // Both are mid-run at the same moment: two trainer processes at once.
    expect(sup.activeRunIds.sort()).toEqual([a.id, b.id].sort());
    sup.resume(a.id);
    await sup.stop(b.id);
    await sup.whenIdle();

    const recordA = await sup.store.get(a.id);
    expect(recordA.status).toBe('completed');
    expect(recordA.summary?.iterations).toBe(120);
    const metricsA = await sup.store.readMetrics(a.id);
    expect(evaluatedAt(metricsA)).toEqual([1, 41, 81, 120]);
    expect(lossesOf(metricsA)).toHaveLength(120);
    // metrics.jsonl keeps each evaluation's gradient flow: finite norms and ratios for both layers.
    for (const line of metricsA) {
      if (line.type === 'evaluation') expect(line.gradients?.every((l) => [l.weightNorm, l.biasNorm, l.updateRatio].every((v) => v !== null && v > 0))).toBe(true);
    }

    const stopped = await sup.store.get(b.id);
    expect(stopped.status).toBe('stopped');
    expect(stopped.summary!.iterations).toBe(30);
    // Resumed from its checkpoint at 30, it never passes step 30 again, so it trains on to the end.
    await sup.resumeRun(b.id);
    await sup.whenIdle();
    expect((await sup.store.get(b.id)).status).toBe('completed');
    const resumedLosses = lossesOf(await sup.store.readMetrics(b.id));
    expect(resumedLosses).toHaveLength(120);

    // The same config trained in one go, never paused, gives the very same losses: the resumed curve continues exactly.
    const plain = await supervisor(testTrainerFactory());
    const reference = await plain.enqueue(parseTrainConfig({ ...small, seed: 9 }), { name: 'b-reference' });
    await plain.whenIdle();
    expect((await plain.store.get(reference.id)).status).toBe('completed');
    expect(resumedLosses).toEqual(lossesOf(await plain.store.readMetrics(reference.id)));
  });

  it("a run on backend auto where the addon is not used trains on the WebAssembly kernels, its record saying why", async () => {
    // Trainer processes inherit the environment: BACKPROP_SKIP_NATIVE=1 keeps the addon out of use there.
    vi.stubEnv('BACKPROP_SKIP_NATIVE', '1');
    try {
      const sup = await supervisor(testTrainerFactory());
      const run = await sup.enqueue(parseTrainConfig({ ...small, backend: 'auto' }), { name: 'auto' });
      await sup.whenIdle();
      const record = await sup.store.get(run.id);
      expect(record).toMatchObject({ status: 'completed', backend: 'wasm' });
      expect(record.backendNote).toMatch(/^the native addon is not available here: BACKPROP_SKIP_NATIVE=1 leaves the addon unused\. The WebAssembly build/);
      const chosen = await sup.enqueue(parseTrainConfig({ ...small, backend: 'wasm' }), { name: 'chosen' });
      await sup.whenIdle();
      const explicit = await sup.store.get(chosen.id);
      expect(explicit).toMatchObject({ status: 'completed', backend: 'wasm' });
      expect(explicit.backendNote).toBeUndefined();
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('a trainer killed with SIGKILL fails its run only; finished epochs and the checkpoint survive', async () => {
    const sup = await supervisor(testTrainerFactory());
    // Long enough that it is still training when the kill lands, whatever the machine (it is killed after ~81 steps).
    const long = parseTrainConfig({ ...small, training: { ...small.training, iterations: 100_000 } });
    const victim = await sup.enqueue(long, { name: 'victim' });
    const other = await sup.enqueue(parseTrainConfig(small), { name: 'other' });
    await new Promise<void>((resolve) => {
      const off = sup.subscribe((e) => {
        if (e.runId === victim.id && e.kind === 'trainer' && e.event.type === 'epoch' && e.event.record.iteration >= 81) {
          off();
          sup.processOf(victim.id)!.kill('SIGKILL');
          resolve();
        }
      });
    });
    await sup.whenIdle();
    const failed = await sup.store.get(victim.id);
    expect(failed.status).toBe('failed');
    expect(failed.reason).toMatch(/killed \(SIGKILL\)/);
    expect(evaluatedAt(await sup.store.readMetrics(victim.id)).slice(0, 3)).toEqual([1, 41, 81]);
    const checkpoint = await sup.store.readCheckpoint(victim.id);
    expect(checkpoint?.tensors.W1.shape).toEqual([PIXELS, 16]);
    expect((checkpoint?.meta as { iteration: number }).iteration).toBeGreaterThanOrEqual(81);
    const survivor = await sup.store.get(other.id);
    expect(survivor.status).toBe('completed');
    expect(survivor.summary?.iterations).toBe(120);
  });
});

describe.skipIf(!nativeForTests.backend)('native kernel threads of trainer processes', () => {
  it('applies the share of cores it is started with, and a new share sent while it trains; without one it keeps every core', async () => {
    const { nativeInfo } = await import('../src-services/backends/native-backend');
    const native = { ...small, backend: 'native' as const, training: { ...small.training, iterations: 1_000_000 } };
    const shared = startTrainer();
    shared.trainer.send({ type: 'start', config: parseTrainConfig(native), threads: 1 });
    const ready = await shared.until('ready');
    expect(ready.type === 'ready' && ready.threads).toBe(1);
    // The share changes while it trains (another trainer finished): the pool is resized between two slices.
    shared.trainer.send({ type: 'threads', threads: 2 });
    const resized = await shared.until('threads');
    expect(resized.type === 'threads' && resized.threads).toBe(2);
    shared.trainer.send({ type: 'stop' });
    await shared.until('finished');

    const lone = startTrainer();
    lone.trainer.send({ type: 'start', config: parseTrainConfig({ ...native, training: { ...native.training, iterations: 5 } }) });
    const loneReady = await lone.until('ready');
    expect(loneReady.type === 'ready' && loneReady.threads).toBe(nativeInfo().hardwareThreads);
  });
});
