import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRADIENT_CHECK_CANCELLED, type InputSaliency, type NetworkActivations, type WeightHistograms } from '../src-shared/api';
import type { RunListing, RunRecord } from '../src-shared/run-record';
import { writeDenseIdxDataset } from '../src-services/data/idx-fixtures';
import { RunStore } from '../src-services/runs/run-store';
import { RunSupervisor } from '../src-services/trainers/run-supervisor';
import { testTrainerFactory } from '../src-services/trainers/test-trainers';
import { WorkbenchService } from '../src-services/api/workbench-service';
import { API_SOCKET_PATH, sessionQuery } from '../src-shared/web-session';
import { startWebHost, type WebHost } from './web-host';
import { ApiClient as Client } from './test-support/api-client';

const TOKEN = 'test-token-0123456789abcdef';

describe('web host', () => {
  const root = mkdtempSync(join(tmpdir(), 'bpw-web-'));
  const renderer = join(root, 'renderer');
  let host: WebHost;
  let service: WorkbenchService;
  let api: string;
  // Runs, checks and traces train on a generated 28x28 set (each trainer process reads it at once); the test
  // images come from the bundled MNIST.
  const dataset = { kind: 'idx', path: join(root, 'dense') } as const;

  beforeAll(async () => {
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Backprop Workbench</title>');
    await writeDenseIdxDataset(dataset.path, { train: 1000, test: 200 });
    const factory = testTrainerFactory();
    service = new WorkbenchService({
      supervisor: new RunSupervisor(new RunStore(join(root, 'runs'), '0.0.0-test'), factory, { concurrency: 1 }),
      trainerFactory: factory,
      info: { mode: 'web', platform: process.platform, cores: 2, runsDirectory: join(root, 'runs'), versions: { app: '0.0.0-test', node: process.versions.node } },
    });
    host = await startWebHost({ service, rendererDirectory: renderer, port: 0, token: TOKEN });
    api = `ws://127.0.0.1:${host.port}${API_SOCKET_PATH}${sessionQuery(TOKEN)}`;
  });

  afterAll(async () => {
    await service.shutdown();
    await host.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('binds to loopback, prints a URL with the token, and serves the page with its CSP', async () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${TOKEN}`);
    expect(sessionQuery(TOKEN)).toBe(`?token=${TOKEN}`);
    const response = await fetch(`http://127.0.0.1:${host.port}/runs/anything`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await response.text()).toContain('Backprop Workbench');
  });

  it('refuses API connections without the token, with a wrong one, or from a foreign origin', async () => {
    await expect(Client.open(`ws://127.0.0.1:${host.port}${API_SOCKET_PATH}`)).rejects.toThrow('HTTP 401');
    await expect(Client.open(`ws://127.0.0.1:${host.port}${API_SOCKET_PATH}${sessionQuery('wrong-token-0123456789ab')}`)).rejects.toThrow('HTTP 401');
    await expect(Client.open(api, { Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(Client.open(api, { Host: 'evil.example' })).rejects.toThrow('HTTP 421');
    const client = await Client.open(api, { Origin: `http://127.0.0.1:${host.port}` });
    client.socket.close();
  });

  it('answers bad requests with a message naming the problem', async () => {
    const client = await Client.open(api);
    expect(await client.call('noSuchMethod')).toEqual({ ok: false, error: 'unknown method "noSuchMethod"' });
    const badId = await client.call('runMetrics', { id: '../etc' });
    expect(badId.ok).toBe(false);
    expect(!badId.ok && badId.error).toContain('id: must be a run id');
    const badConfig = await client.call('startRun', { config: { training: { batchSize: 0 } } });
    expect(badConfig.ok).toBe(false);
    expect(!badConfig.ok && badConfig.issues?.[0]?.field).toBe('training.batchSize');
    client.socket.close();
  });

  it('trains a run, streams its progress, and serves its metrics, weights and predictions', async () => {
    const client = await Client.open(api);
    const info = await client.value<{ mode: string }>('info');
    expect(info.mode).toBe('web');
    const config = { dataset, network: { hiddenSizes: [8] }, training: { iterations: 60, evaluateEvery: 30, evaluationSamples: 200 }, seed: 3 };
    const record = await client.value<RunRecord>('startRun', { config, name: 'tiny' });
    expect(record.name).toBe('tiny');
    await client.until((e) => e.type === 'run' && e.record.id === record.id && e.record.status === 'completed');
    expect(client.events.some((e) => e.type === 'progress' && e.runId === record.id)).toBe(true);
    // Evaluated every 30 iterations from the first, and at the end; all of them arrive before the status that ends the run.
    expect(client.events.flatMap((e) => (e.type === 'evaluation' && e.runId === record.id ? [e.point.iteration] : []))).toEqual([1, 31, 60]);

    const listings = await client.value<RunListing[]>('listRuns');
    expect(listings.some((l) => l.kind === 'ok' && l.record.id === record.id)).toBe(true);
    const metrics = await client.value<{ losses: number[]; evaluations: unknown[] }>('runMetrics', { id: record.id });
    expect(metrics.losses).toHaveLength(60);
    expect(metrics.losses.every((v) => typeof v === 'number' && v > 0)).toBe(true);

    const tiles = await client.value<{ units: number; inputSize: number; data: number[] }>('firstLayerWeights', { id: record.id });
    expect(tiles.units).toBe(8);
    expect(tiles.data).toHaveLength(8 * 784);

    // From the checkpoint of the finished run: every weight of each affine layer binned over ±max|w|.
    const weights = await client.value<WeightHistograms>('weightHistograms', { id: record.id });
    expect(weights.iteration).toBe(60);
    expect(weights.layers.map((l) => [l.name, l.histogram.counts.length, l.histogram.counts.reduce((a, b) => a + b, 0)])).toEqual([['W1', 30, 784 * 8], ['W2', 30, 8 * 10]]);
    expect(weights.layers[0]!.histogram.edges[30]).toBe(Math.max(-weights.layers[0]!.min, weights.layers[0]!.max));
    const tooManyBins = await client.call('weightHistograms', { id: record.id, bins: 101 });
    expect(!tooManyBins.ok && tooManyBins.error).toMatch(/bins/);

    const { probabilities } = await client.value<{ probabilities: number[] }>('predict', { id: record.id, pixels: new Array(784).fill(0.5) });
    expect(probabilities).toHaveLength(10);
    // float32 probabilities: the sum is 1 to about 1e-6.
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const wrongSize = await client.call('predict', { id: record.id, pixels: [0.5] });
    expect(!wrongSize.ok && wrongSize.error).toContain('1 pixels given');

    // The saliency map, d logit(class) / d pixel, from the process holding the run's network.
    const pixels = Array.from({ length: 784 }, (_, i) => (i % 28) / 28);
    const predicted = await client.value<InputSaliency>('inputGradient', { id: record.id, pixels });
    const { probabilities: expected } = await client.value<{ probabilities: number[] }>('predict', { id: record.id, pixels });
    expect(predicted.gradient).toHaveLength(784);
    expect(predicted.classIndex).toBe(expected.indexOf(Math.max(...expected)));
    predicted.probabilities.forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 6));
    const other = (predicted.classIndex + 1) % 10;
    const chosen = await client.value<InputSaliency>('inputGradient', { id: record.id, pixels, classIndex: other });
    expect(chosen.classIndex).toBe(other);
    expect(chosen.gradient.some((g, i) => g !== predicted.gradient[i])).toBe(true);
    expect(chosen.gradient.some((g) => g !== 0)).toBe(true);
    const noSuchClass = await client.call('inputGradient', { id: record.id, pixels, classIndex: 10 });
    expect(!noSuchClass.ok && noSuchClass.error).toContain('has classes 0..9');
    const negative = await client.call('inputGradient', { id: record.id, pixels, classIndex: -1 });
    expect(!negative.ok && negative.error).toMatch(/classIndex/);
    const shortImage = await client.call('inputGradient', { id: record.id, pixels: [0.5] });
    expect(!shortImage.ok && shortImage.error).toContain('1 pixels given');

    // The activation histograms of up to 1000 test images (the default; this set has 200) through the run's
    // network, and no more than the cap.
    const activations = await client.value<NetworkActivations>('activationHistograms', { id: record.id });
    expect([activations.samples, activations.layers.map((l) => l.name)]).toEqual([200, ['Relu1']]);
    expect(activations.layers[0]!.histogram.counts.reduce((a, b) => a + b, 0)).toBe(200 * 8);
    const tooMany = await client.call('activationHistograms', { id: record.id, samples: 5000 });
    expect(!tooMany.ok && tooMany.error).toMatch(/samples/);

    const images = await client.value<Array<{ label: number; pixels: number[] }>>('testImages', { dataset: { kind: 'mnist' }, offset: 0, count: 2 });
    expect(images.map((i) => i.label)).toEqual([7, 2]);
    expect(images[0]!.pixels).toHaveLength(784);

    const renamed = await client.value<RunRecord>('renameRun', { id: record.id, name: 'renamed' });
    expect(renamed.name).toBe('renamed');
    await client.value('deleteRun', { id: record.id });
    await client.until((e) => e.type === 'runDeleted' && e.id === record.id);
    expect((await client.value<RunListing[]>('listRuns')).some((l) => l.kind === 'ok' && l.record.id === record.id)).toBe(false);
    client.socket.close();
  });

  it('runs a gradient check in its own process, and cancels one on request', async () => {
    const client = await Client.open(api);
    const config = { dataset, network: { hiddenSizes: [4] }, dtype: 'float64', backend: 'ts' };
    const report = await client.value<{ differences: Record<string, number>; bound: number }>('gradientCheck', { config, samples: 1 });
    expect(Object.keys(report.differences).sort()).toEqual(['W1', 'W2', 'b1', 'b2']);
    for (const difference of Object.values(report.differences)) expect(difference).toBeLessThanOrEqual(report.bound);

    // The host serves frames in order, so the cancel finds the check started (its process just forked).
    const long = client.call('gradientCheck', { config: { network: { hiddenSizes: [200] }, dtype: 'float64', backend: 'ts' }, samples: 32 });
    expect(await client.call('cancelGradientCheck')).toEqual({ ok: true, value: null });
    expect(await long).toEqual({ ok: false, error: GRADIENT_CHECK_CANCELLED });
    expect(GRADIENT_CHECK_CANCELLED).toBe('gradient check cancelled');
    // Cancelled, it no longer blocks the next check.
    const again = await client.call('gradientCheck', { config, samples: 1 });
    expect(again.ok).toBe(true);
    client.socket.close();
  });

  it('traces one forward/backward pass of a network: shapes and gradient norms per layer', async () => {
    const client = await Client.open(api);
    const trace = await client.value<{ batchSize: number; loss: number; layers: Array<{ name: string; inputShape: number[]; outputShape: number[]; inputGradientNorm: number | null; weightGradientNorm?: number }> }>(
      'layerGraph',
      { config: { dataset, network: { hiddenSizes: [20, 10], activation: 'sigmoid' } }, batchSize: 32 },
    );
    expect(trace.batchSize).toBe(32);
    expect(trace.loss).toBeCloseTo(Math.log(10), 1);
    expect(trace.layers.map((l) => l.name)).toEqual(['Affine1', 'Sigmoid1', 'Affine2', 'Sigmoid2', 'Affine3', 'SoftmaxWithLoss']);
    expect(trace.layers[0]!.inputShape).toEqual([32, 784]);
    expect(trace.layers[0]!.outputShape).toEqual([32, 20]);
    expect(trace.layers[4]!.outputShape).toEqual([32, 10]);
    // The first Affine's dx is skipped by design; every other gradient is a positive norm.
    expect(trace.layers[0]!.inputGradientNorm).toBeNull();
    expect(trace.layers[0]!.weightGradientNorm).toBeGreaterThan(0);
    expect(trace.layers[2]!.inputGradientNorm).toBeGreaterThan(0);
    client.socket.close();
  });

  it('refuses desktop-only dialogs with the browser alternative', async () => {
    const client = await Client.open(api);
    const envelope = await client.call('openConfigFile');
    expect(!envelope.ok && envelope.error).toContain('browser uploads the file');
    client.socket.close();
  });
});
