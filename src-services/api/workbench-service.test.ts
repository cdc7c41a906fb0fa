import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GRADIENT_CHECK_CANCELLED, type ApiEnvelope, type WorkbenchEvent } from '../../src-shared/api';
import type { TrainerCommandInput } from '../../src-shared/trainer-protocol';
import { RunStore } from '../runs/run-store';
import { FakeTrainerProcess, requestIdOf } from '../trainers/fake-trainer-process';
import { RunSupervisor } from '../trainers/run-supervisor';
import { WorkbenchService } from './workbench-service';

/** A service whose helper processes are fakes: each answers as `answer` says, or never. */
function serviceWith(answer?: (command: TrainerCommandInput, process: FakeTrainerProcess) => void) {
  const root = mkdtempSync(join(tmpdir(), 'bpw-service-'));
  const processes: FakeTrainerProcess[] = [];
  const factory = (): FakeTrainerProcess => {
    const process = new FakeTrainerProcess();
    process.onSend = answer;
    processes.push(process);
    return process;
  };
  const service = new WorkbenchService({
    supervisor: new RunSupervisor(new RunStore(join(root, 'runs'), '0.0.0-test'), factory, { concurrency: 1 }),
    trainerFactory: factory,
    info: { mode: 'web', platform: 'test', cores: 1, runsDirectory: join(root, 'runs'), versions: { app: '0.0.0-test', node: 'test' } },
  });
  cleanups.push(async () => {
    await service.shutdown();
    rmSync(root, { recursive: true, force: true });
  });
  return { service, processes };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const tinyConfig = { network: { hiddenSizes: [4] }, dtype: 'float64', backend: 'ts' };

describe('the workbench service dispatcher', () => {
  it('refuses unknown methods and bad params with a message naming them', async () => {
    const { service } = serviceWith();
    expect(await service.handle('noSuchMethod', {})).toEqual({ ok: false, error: 'unknown method "noSuchMethod"' });
    // Object.prototype's keys are not methods.
    expect(await service.handle('toString', {})).toEqual({ ok: false, error: 'unknown method "toString"' });
    expect(await service.handle('gradientCheck', { config: {}, samples: 33 })).toEqual({ ok: false, error: 'gradientCheck: samples: Too big: expected number to be <=32' });
  });

  it('gives handlers the parsed params, defaults filled in, and answers with their result', async () => {
    const { service, processes } = serviceWith((command, process) => {
      if (command.type === 'gradientCheck') process.event({ type: 'gradientCheck', requestId: requestIdOf(command), differences: { W1: 1e-10 }, bound: 1e-9 });
    });
    const envelope = await service.handle('gradientCheck', { config: tinyConfig });
    expect(envelope.ok && envelope.value).toMatchObject({ differences: { W1: 1e-10 }, bound: 1e-9 });
    const [command] = processes[0]!.sent;
    expect(command?.type === 'gradientCheck' && command.samples).toBe(3);
    // The check's process ends with the check.
    expect(processes[0]!.killedWith).toBe('SIGTERM');
  });

  it('returns a config\'s problems field by field', async () => {
    const { service } = serviceWith();
    const envelope = await service.handle('layerGraph', { config: { training: { batchSize: 0 } } });
    expect(!envelope.ok && envelope.issues?.map((i) => i.field)).toEqual(['training.batchSize']);
  });
});

describe('the gradient check', () => {
  it('is cancelled by cancelGradientCheck: the request fails with the cancelled message and its process ends', async () => {
    const { service, processes } = serviceWith();
    const check = service.handle('gradientCheck', { config: tinyConfig, samples: 2 });
    expect(await service.handle('gradientCheck', { config: tinyConfig })).toEqual({ ok: false, error: 'a gradient check is already running' });
    expect(await service.handle('cancelGradientCheck', {})).toEqual({ ok: true, value: null });
    expect(await check).toEqual({ ok: false, error: GRADIENT_CHECK_CANCELLED });
    expect(processes[0]!.killedWith).toBe('SIGTERM');
    // Cancelling with nothing running is no error.
    expect(await service.handle('cancelGradientCheck', {})).toEqual({ ok: true, value: null });
  });

  it('reports a process that dies on its own as what happened, not as a cancellation', async () => {
    const { service, processes } = serviceWith();
    const check = service.handle('gradientCheck', { config: tinyConfig });
    processes[0]!.exit({ code: null, signal: 'SIGTERM' });
    const envelope: ApiEnvelope = await check;
    expect(envelope).toEqual({ ok: false, error: 'the trainer process was stopped (SIGTERM) before it answered' });
  });

  it('is cancelled when the service shuts down', async () => {
    const { service, processes } = serviceWith();
    const check = service.handle('gradientCheck', { config: tinyConfig });
    await service.shutdown();
    expect(await check).toEqual({ ok: false, error: GRADIENT_CHECK_CANCELLED });
    expect(processes[0]!.killedWith).toBe('SIGTERM');
  });
});

describe('runs while they start', () => {
  it('a run with no weights yet (queued, or its trainer not ready) has none to show, not an error; the queue says why it waits', async () => {
    const { service, processes } = serviceWith();
    const events: WorkbenchEvent[] = [];
    service.subscribe((event) => events.push(event));
    const first = (await service.handle('startRun', { config: tinyConfig })) as ApiEnvelope<{ id: string }>;
    const second = (await service.handle('startRun', { config: tinyConfig })) as ApiEnvelope<{ id: string }>;
    if (!first.ok || !second.ok) throw new Error('runs did not start');
    expect(processes).toHaveLength(1);
    // The first trainer has not said ready; the second run is queued behind it (one slot).
    expect(await service.handle('firstLayerWeights', { id: first.value.id })).toEqual({ ok: true, value: null });
    expect(await service.handle('firstLayerWeights', { id: second.value.id })).toEqual({ ok: true, value: null });
    expect(await service.handle('firstLayerWeights', { id: 'no-such-run' })).toMatchObject({ ok: false });
    expect(await service.handle('weightHistograms', { id: first.value.id })).toEqual({ ok: true, value: null });
    expect(await service.handle('weightHistograms', { id: second.value.id })).toEqual({ ok: true, value: null });
    const queue = await service.handle('runQueue', {});
    expect(queue).toMatchObject({ ok: true, value: { concurrency: 1, training: 1, queued: [{ runId: second.value.id, position: 1, waitingFor: 'slot' }] } });
    // Every connected renderer was told the same.
    expect(events.filter((e) => e.type === 'queue').at(-1)).toEqual({ type: 'queue', state: queue.ok && queue.value });
  });
});
