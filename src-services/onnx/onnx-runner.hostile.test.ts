import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiEnvelope, ImportedOnnxModel } from '../../src-shared/api';
import { bundledMnistDirectory, loadIdxDataset } from '../data/load-dataset';
import { OnnxRunner, type JobTimer } from './onnx-runner';
import * as hostile from './test-support/hostile-models';
import { importParams, memoryMiB, startOnnxTestHost, type OnnxTestHost } from './test-support/onnx-host';
import { bundledRunnerEntry } from './test-support/runner-bundle';
import { validateOnnxModel } from './validate-model';

/**
 * The ONNX runner's own bounds, through the service of a real host: how many models a host keeps, how many
 * jobs it queues, its time limit (with a timer the test expires) and its memory cap; and the same checks
 * in `npm run export -- --check` and in a run export's validation.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const hosts: OnnxTestHost[] = [];

afterAll(async () => {
  for (const host of hosts) await host.close();
});

async function hostWith(options: { memoryCapBytes?: number; timer?: JobTimer } = {}): Promise<OnnxTestHost> {
  const host = await startOnnxTestHost({ entry: bundledRunnerEntry(), ...options });
  hosts.push(host);
  return host;
}

/** A 4-input, 3-class model: too small for the MNIST validation, so an import only loads it. */
const small = hostile.model(hostile.gemmGraph(4, 3, 3));
const errorOf = (envelope: ApiEnvelope): string => (envelope.ok ? '(no error)' : envelope.error);
const valueOf = <T>(envelope: ApiEnvelope): T => {
  if (!envelope.ok) throw new Error(envelope.error);
  return envelope.value as T;
};

describe('the ONNX runner behind a host', () => {
  it('keeps at most 8 models: a client importing 1000 at once gets 8, the rest refused', async () => {
    const { service } = await hostWith();
    const before = memoryMiB();
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => service.handle('importOnnx', importParams(`m${i}.onnx`, small))));
    const after = memoryMiB();
    const loaded = results.filter((r) => r.ok).map((r) => valueOf<ImportedOnnxModel>(r).fileName);
    expect(loaded).toEqual(['m0.onnx', 'm1.onnx', 'm2.onnx', 'm3.onnx', 'm4.onnx', 'm5.onnx', 'm6.onnx', 'm7.onnx']);
    results.slice(8).forEach((r, i) => expect(errorOf(r)).toBe(`m${i + 8}.onnx: 8 ONNX models are loaded or loading, the most this host keeps: remove one first`));
    console.log(`[onnx 1000 imports] 8 loaded, 992 refused; host peak RSS (maxRSS) ${before.maxRss} -> ${after.maxRss} MiB`);

    // 100 predictions at once: one runs, 15 wait, the rest are refused; all those accepted are answered.
    const modelId = valueOf<ImportedOnnxModel>(results[0]!).modelId;
    const predictions = await Promise.all(Array.from({ length: 100 }, () => service.handle('predictOnnx', { modelId, pixels: [0.1, 0.2, 0.3, 0.4] })));
    expect(predictions.filter((p) => p.ok)).toHaveLength(16);
    for (const p of predictions.filter((p) => !p.ok)) expect(errorOf(p)).toBe('the ONNX runner has 16 jobs waiting, the most a host queues: try again when they are done');

    // Removing one makes room for another.
    expect(await service.handle('removeOnnxModel', { modelId })).toEqual({ ok: true, value: null });
    expect(valueOf<ImportedOnnxModel>(await service.handle('importOnnx', importParams('again.onnx', small))).fileName).toBe('again.onnx');
  });

  it('stops a job over its time limit: the request fails with the reason, the next one gets a fresh runner', async () => {
    const expiries = new Set<() => void>();
    const timer: JobTimer = (_ms, expire) => {
      expiries.add(expire);
      return () => expiries.delete(expire);
    };
    const { service } = await hostWith({ timer });
    const model = valueOf<ImportedOnnxModel>(await service.handle('importOnnx', importParams('slow.onnx', small)));
    const prediction = service.handle('predictOnnx', { modelId: model.modelId, pixels: [0.1, 0.2, 0.3, 0.4] });
    // The prediction was sent to the runner synchronously; its time runs out before any answer can arrive.
    expect(expiries.size).toBe(1);
    for (const expire of [...expiries]) expire();
    expect(errorOf(await prediction)).toBe('slow.onnx: onnxruntime took longer than 10 s while classifying an image; the ONNX runner was stopped');
    // The model lived in that runner: it is gone, and says so.
    expect(await service.handle('listOnnxModels', {})).toEqual({ ok: true, value: [] });
    expect(errorOf(await service.handle('predictOnnx', { modelId: model.modelId, pixels: [0.1, 0.2, 0.3, 0.4] }))).toBe('that ONNX model is no longer loaded: import it again');
    const again = valueOf<ImportedOnnxModel>(await service.handle('importOnnx', importParams('slow.onnx', small)));
    expect(valueOf<{ probabilities: number[] }>(await service.handle('predictOnnx', { modelId: again.modelId, pixels: [0.1, 0.2, 0.3, 0.4] })).probabilities).toHaveLength(3);
  });

  it('stops a runner over its memory cap while it validates a model that passed the checks', async () => {
    const { service } = await hostWith({ memoryCapBytes: 320 * 2 ** 20 });
    // Within every static bound (240 MB per tensor), but two such tensors are alive at once in validation.
    const heavy = hostile.model({
      name: 'heavy',
      node: [
        { op_type: 'Gemm', name: 'narrow', input: ['input', 'W', 'b'], output: ['h'] },
        { op_type: 'Mul', name: 'wide', input: ['h', 'c'], output: ['wide'] },
        { op_type: 'Relu', name: 'relu', input: ['wide'], output: ['r'] },
        { op_type: 'Add', name: 'sum', input: ['wide', 'r'], output: ['s'] },
        { op_type: 'MatMul', name: 'out', input: ['s', 'W2'], output: ['logits'] },
      ],
      initializer: [hostile.floats('W', [784, 1]), hostile.floats('b', [1]), hostile.floats('c', [1, 60_000]), hostile.floats('W2', [60_000, 10])],
      input: [hostile.tensorInfo('input', ['N', 784])],
      output: [hostile.tensorInfo('logits', ['N', 10])],
    });
    const before = memoryMiB();
    const envelope = await service.handle('importOnnx', importParams('heavy.onnx', heavy));
    const after = memoryMiB();
    expect(errorOf(envelope)).toMatch(/^heavy\.onnx: the ONNX runner used \d+ MiB, over its memory cap of 320 MiB, and was stopped$/);
    console.log(`[onnx memory cap] ${errorOf(envelope)}; host RSS ${before.rss} -> ${after.rss} MiB, peak ${before.maxRss} -> ${after.maxRss} MiB`);
    expect(valueOf<ImportedOnnxModel>(await service.handle('importOnnx', importParams('small.onnx', small))).classes).toBe(3);
  });
});

describe('a runner that misbehaves', () => {
  it('killed from outside: its models are reported lost with the reason, the next job gets a fresh runner', async () => {
    const runner = new OnnxRunner({ entry: bundledRunnerEntry() });
    const lost = new Promise<[readonly string[], string]>((resolve) => runner.onModelsLost((ids, reason) => resolve([ids, reason])));
    await runner.load('a', small, 'a.onnx');
    const first = runner.pid!;
    process.kill(first, 'SIGKILL');
    expect(await lost).toEqual([['a'], 'the ONNX runner stopped unexpectedly (signal SIGKILL)']);
    await expect(runner.predict('a', 'a.onnx', new Float32Array(4))).rejects.toThrow('a.onnx: it is no longer loaded (the ONNX runner stopped): import it again');
    await runner.load('b', small, 'b.onnx');
    expect(runner.pid).not.toBe(first);
    runner.close();
  });

  it('answering out of turn or exiting mid-job: the job fails with the reason, the host goes on', async () => {
    const host = await hostWith();
    const liar = join(host.root, 'liar.mjs');
    writeFileSync(liar, "process.on('message', () => process.send({ type: 'released', jobId: 999 }));\n");
    const quitter = join(host.root, 'quitter.mjs');
    writeFileSync(quitter, "process.on('message', () => process.exit(3));\n");
    const lying = new OnnxRunner({ entry: { file: liar, execArgv: [] } });
    await expect(lying.load('m', small, 'm.onnx')).rejects.toThrow('m.onnx: the ONNX runner sent a message out of turn');
    lying.close();
    const quitting = new OnnxRunner({ entry: { file: quitter, execArgv: [] } });
    await expect(quitting.load('m', small, 'm.onnx')).rejects.toThrow('m.onnx: the ONNX runner stopped unexpectedly (exit code 3)');
    quitting.close();
  });
});

describe('the same checks outside the host', () => {
  /** `npm run export -- --check FILE` as its own process; the three runs below start at once. */
  const exportCli = (file: string): Promise<{ status: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-cli', 'export.ts'), '--check', file], { cwd: root });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });

  it('npm run export -- --check refuses the bomb and a FIFO with the reason, and passes a good model', async () => {
    const host = await hostWith();
    const bomb = join(host.root, 'bomb.onnx');
    writeFileSync(bomb, hostile.mulBroadcastBomb());
    const fifo = join(host.root, 'model.fifo');
    const withFifo = process.platform !== 'win32';
    if (withFifo) expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const good = join(host.root, 'good.onnx');
    writeFileSync(good, hostile.exportedMlp());
    const [refused, pipe, passed] = await Promise.all([exportCli(bomb), withFifo ? exportCli(fifo) : undefined, exportCli(good)]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain(`error: ${bomb}: node "outer" (Mul) would compute "p" of [50000000, 50000] float32 = 9.1 TiB for a batch of 1000 images`);
    if (pipe) {
      expect(pipe.status).toBe(2);
      expect(pipe.stderr).toContain(`error: ${fifo}: is a FIFO (named pipe), not a regular file`);
    }
    expect(passed.stderr).toBe('');
    expect(passed.stdout).toMatch(/^ONNX validation passed \| onnxruntime on 10000 test images: accuracy /);
    expect(passed.status).toBe(0);
  });

  it('a run export\'s validation refuses what breaks the limits before onnxruntime sees it', async () => {
    const { test } = await loadIdxDataset(bundledMnistDirectory());
    await expect(validateOnnxModel(hostile.mulBroadcastBomb(), 'run r1', test, undefined)).rejects.toThrow('run r1: node "outer" (Mul) would compute "p" of [50000000, 50000]');
    await expect(validateOnnxModel(hostile.model(hostile.gemmGraph(784, 3, 10)), 'run r2', test, undefined)).rejects.toThrow('run r2: output "logits" is declared [N, 10] but the graph computes [1000, 3]');
  });
});
