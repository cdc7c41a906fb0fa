import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeTrainerProcess, requestIdOf } from './fake-trainer-process';
import { requestFromTrainer, TrainerRequestCancelled } from './trainer-requests';

afterEach(() => {
  vi.useRealTimers();
});

describe('requestFromTrainer', () => {
  it('sends the request with an id and resolves with the reply to that id', async () => {
    const process = new FakeTrainerProcess();
    const reply = requestFromTrainer(process, { type: 'exportWeights' }, 'weights');
    const [command] = process.sent;
    expect(command?.type).toBe('exportWeights');
    const requestId = requestIdOf(command!);
    expect(requestId).not.toBe('');
    process.event({ type: 'weights', requestId: 'someone-else', tensors: [] });
    process.event({ type: 'weights', requestId, tensors: [{ name: 'W1', shape: [1], data: new Float32Array([2]) }] });
    expect((await reply).tensors.map((t) => t.name)).toEqual(['W1']);
  });

  it('fails with the trainer\'s reason, or when the reply is of another type', async () => {
    const process = new FakeTrainerProcess();
    const failed = requestFromTrainer(process, { type: 'evaluate' }, 'evaluation');
    process.event({ type: 'requestFailed', requestId: requestIdOf(process.sent[0]!), reason: 'no network in this trainer process yet' });
    await expect(failed).rejects.toThrow('no network in this trainer process yet');
    const mismatched = requestFromTrainer(process, { type: 'exportWeights' }, 'weights');
    process.event({ type: 'layerGraph', requestId: requestIdOf(process.sent[1]!), trace: { batchSize: 1, loss: 0, layers: [] } });
    await expect(mismatched).rejects.toThrow('the trainer answered exportWeights with layerGraph');
  });

  it('fails with TrainerRequestCancelled when its signal aborts, and ignores a late reply', async () => {
    const process = new FakeTrainerProcess();
    const controller = new AbortController();
    const check = requestFromTrainer(process, { type: 'gradientCheck', config: {}, samples: 1 }, 'gradientCheck', { timeoutMs: 0, signal: controller.signal });
    controller.abort();
    const error: unknown = await check.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainerRequestCancelled);
    expect(error).toHaveProperty('message', 'the gradientCheck request was cancelled');
    // The reply that would have come is dropped, and the process serves the next request as usual.
    process.event({ type: 'gradientCheck', requestId: requestIdOf(process.sent[0]!), differences: {}, bound: 1 });
    const next = requestFromTrainer(process, { type: 'evaluate' }, 'evaluation');
    const record = { iteration: 1, epoch: 0, trainAccuracy: 0.5, testAccuracy: 0.5, trainLoss: 1, testLoss: 1, final: false };
    process.event({ type: 'evaluation', requestId: requestIdOf(process.sent[1]!), record });
    expect((await next).record).toEqual(record);
  });

  it('does not send a request whose signal has already aborted', async () => {
    const process = new FakeTrainerProcess();
    const controller = new AbortController();
    controller.abort();
    await expect(requestFromTrainer(process, { type: 'evaluate' }, 'evaluation', { signal: controller.signal })).rejects.toBeInstanceOf(TrainerRequestCancelled);
    expect(process.sent).toEqual([]);
  });

  it('fails with how the process ended when it ends before answering, which is not a cancellation', async () => {
    const process = new FakeTrainerProcess();
    const reply = requestFromTrainer(process, { type: 'evaluate' }, 'evaluation', { signal: new AbortController().signal });
    process.kill('SIGKILL');
    const error: unknown = await reply.catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(TrainerRequestCancelled);
    expect(error).toHaveProperty('message', 'the trainer process was stopped (SIGKILL) before it answered');
    const other = new FakeTrainerProcess();
    const crashed = requestFromTrainer(other, { type: 'evaluate' }, 'evaluation');
    other.exit({ code: 3, signal: null });
    await expect(crashed).rejects.toThrow('the trainer process exited with code 3 before it answered');
  });

  it('fails after its time limit', async () => {
    vi.useFakeTimers();
    const process = new FakeTrainerProcess();
    const reply = requestFromTrainer(process, { type: 'exportWeights' }, 'weights', { timeoutMs: 10_000 });
    let failure: unknown;
    const settled = reply.catch((e: unknown) => {
      failure = e;
    });
    await vi.advanceTimersByTimeAsync(9_999);
    process.event({ type: 'weights', requestId: 'not-this-one', tensors: [] });
    expect(failure).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await settled;
    expect(failure).toHaveProperty('message', 'the trainer did not answer exportWeights within 10 s');
  });
});
