import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateTrainingMemory } from '../../src-engine/networks/memory-estimate';
import { parseTrainConfig } from '../../src-shared/config';
import type { TrainerCommandInput } from '../../src-shared/trainer-protocol';
import { RunStore } from '../runs/run-store';
import { FakeTrainerProcess } from './fake-trainer-process';
import { RunSupervisor } from './run-supervisor';

/** Fake trainer processes (nothing trains) and the share of cores each was last given, by start or 'threads'. */
async function sharedSupervisor(concurrency: number, cores: number, memoryBudgetBytes = 2 ** 50) {
  const processes: FakeTrainerProcess[] = [];
  const waiters: Array<() => void> = [];
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  const factory = (): FakeTrainerProcess => {
    const process = new FakeTrainerProcess();
    process.onSend = wake;
    processes.push(process);
    wake();
    return process;
  };
  const store = new RunStore(join(await mkdtemp(join(tmpdir(), 'bpw-sup-threads-')), 'runs'));
  const supervisor = new RunSupervisor(store, factory, { concurrency, cores, memoryBudgetBytes });
  const share = (p: FakeTrainerProcess): number | undefined =>
    p.sent.reduce<number | undefined>((last, c: TrainerCommandInput) => (c.type === 'start' || c.type === 'threads' ? (c.threads ?? last) : last), undefined);
  /** Resolves once `check` holds, re-checked after every process start and every command sent. */
  const until = (check: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      const test = (): void => (check() ? resolve() : void waiters.push(test));
      test();
    });
  const finish = (p: FakeTrainerProcess): void =>
    p.event({ type: 'finished', status: 'completed', iterations: 1, trainAccuracy: 0.5, testAccuracy: 0.5, seconds: 1 });
  return { supervisor, processes, share, until, finish };
}

describe('RunSupervisor thread shares', () => {
  it('shares the cores among the trainers at work: a lone run keeps them all, each new or finished one re-divides them', async () => {
    const { supervisor, processes, share, until, finish } = await sharedSupervisor(2, 2);
    await supervisor.enqueue(parseTrainConfig({ seed: 1 }));
    expect(processes.map(share)).toEqual([2]);
    await supervisor.enqueue(parseTrainConfig({ seed: 2 }));
    // Two at once on two cores: one thread each (not two each, four threads on two cores).
    expect(processes.map(share)).toEqual([1, 1]);
    await supervisor.enqueue(parseTrainConfig({ seed: 3 }));
    expect(processes).toHaveLength(2);
    finish(processes[0]);
    await until(() => processes.length === 3);
    expect(processes.slice(1).map(share)).toEqual([1, 1]);
    finish(processes[1]);
    await until(() => share(processes[2]) === 2);
    expect(processes[0].sent.filter((c) => c.type === 'threads')).toEqual([{ type: 'threads', threads: 1 }]);
  });

  it('never gives the trainers at work more threads than cores, at least one each', async () => {
    for (const [concurrency, cores] of [[3, 8], [3, 2], [4, 4], [1, 8]] as const) {
      const { supervisor, processes, share } = await sharedSupervisor(concurrency, cores);
      for (let i = 0; i < concurrency; i++) {
        await supervisor.enqueue(parseTrainConfig({ seed: i }));
        const shares = processes.map((p) => share(p) ?? 0);
        expect(Math.min(...shares)).toBeGreaterThanOrEqual(1);
        expect(shares.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(Math.max(cores, processes.length));
        expect(new Set(shares).size).toBe(1);
      }
    }
  });
});

describe('RunSupervisor memory', () => {
  it('starts a queued run only when it fits in the memory budget beside the runs at work, in queue order', async () => {
    const small = parseTrainConfig({ seed: 1 });
    const wide = parseTrainConfig({ seed: 2, network: { hiddenSizes: [400, 400] } });
    const each = estimateTrainingMemory(small).bytes;
    // Room for two small runs, not for a small and a wide one.
    const { supervisor, processes, until, finish } = await sharedSupervisor(3, 2, 2 * each + 1);
    const logs: string[] = [];
    supervisor.subscribe((e) => {
      if (e.kind === 'trainer' && e.event.type === 'log') logs.push(e.event.message);
    });
    expect(estimateTrainingMemory(wide).bytes + each).toBeGreaterThan(2 * each + 1);
    await supervisor.enqueue(small);
    const waiting = await supervisor.enqueue(wide);
    await supervisor.enqueue(small);
    // The wide run waits (and the small one behind it keeps its place), though a slot is free.
    expect(processes).toHaveLength(1);
    expect(supervisor.queuedRunIds).toHaveLength(2);
    expect(logs.filter((m) => m.includes('waits for memory'))).toEqual([expect.stringContaining(waiting.id)]);
    finish(processes[0]);
    await until(() => processes.length === 2);
    expect(processes[1].sent[0]).toMatchObject({ type: 'start', config: { network: { hiddenSizes: [400, 400] } } });
    // The small one behind it does not fit beside the wide one either: it waits for that one to end.
    expect(processes).toHaveLength(2);
    finish(processes[1]);
    await until(() => processes.length === 3);
  });

  it('reports its queue truthfully: order, and why each run waits (a slot, memory, the runs ahead)', async () => {
    const small = parseTrainConfig({ seed: 1 });
    const wide = parseTrainConfig({ seed: 2, network: { hiddenSizes: [400, 400] } });
    const each = estimateTrainingMemory(small).bytes;
    const { supervisor, processes, until, finish } = await sharedSupervisor(2, 2, 2 * each + 1);
    const reports: Array<ReturnType<typeof supervisor.queueState>> = [];
    supervisor.onQueueChange((state) => reports.push(state));
    await supervisor.enqueue(small);
    expect(supervisor.queueState()).toEqual({ concurrency: 2, training: 1, memoryBudgetBytes: 2 * each + 1, queued: [] });
    const wideRun = await supervisor.enqueue(wide);
    const third = await supervisor.enqueue(small);
    // A slot is free, but the wide run does not fit beside the first: it waits for memory, the third behind it.
    expect(supervisor.queueState().queued).toEqual([
      { runId: wideRun.id, position: 1, waitingFor: 'memory', memoryBytes: estimateTrainingMemory(wide).bytes },
      { runId: third.id, position: 2, waitingFor: 'ahead', memoryBytes: each },
    ]);
    expect(reports.at(-1)).toEqual(supervisor.queueState());
    // Stopping the wide run lets the third start beside the first: both slots are held, nothing waits.
    await supervisor.stop(wideRun.id);
    await until(() => processes.length === 2);
    expect(supervisor.queueState()).toMatchObject({ training: 2, queued: [] });
    const fourth = await supervisor.enqueue(small);
    expect(supervisor.queueState().queued).toEqual([{ runId: fourth.id, position: 1, waitingFor: 'slot', memoryBytes: each }]);
    // Each report is a change: no two in a row are the same.
    expect(reports.every((r, i) => i === 0 || JSON.stringify(r) !== JSON.stringify(reports[i - 1]))).toBe(true);
    finish(processes[0]);
    await until(() => processes.length === 3);
    expect(reports.at(-1)).toMatchObject({ training: 2, queued: [] });
  });
});

describe('RunSupervisor stalled runs', () => {
  const evaluation = (iteration: number, testAccuracy: number, loss: number) => ({
    type: 'epoch' as const,
    record: { iteration, epoch: iteration / 600, trainAccuracy: testAccuracy, testAccuracy, trainLoss: loss, testLoss: loss, final: false },
  });

  it('flags a run that ends stuck at chance as stalled, with the hint, and leaves one that learned alone', async () => {
    const { supervisor, processes } = await sharedSupervisor(2, 2);
    const finals: Array<{ id: string; stalled: string | undefined; status: string }> = [];
    supervisor.subscribe((e) => {
      if (e.kind === 'status' && ['completed', 'stopped'].includes(e.record.status)) finals.push({ id: e.record.id, stalled: e.record.stalled, status: e.record.status });
    });
    const stuck = await supervisor.enqueue(parseTrainConfig({ seed: 1 }));
    const learned = await supervisor.enqueue(parseTrainConfig({ seed: 2 }));
    const [a, b] = processes;
    for (const p of [a!, b!]) p.event({ type: 'ready', backend: 'ts', iteration: 0, total: 1800 });
    for (const i of [1, 2, 3]) a!.event(evaluation(i * 600, 0.1 + i * 0.001, 2.302));
    for (const i of [1, 2, 3]) b!.event(evaluation(i * 600, 0.5 + i * 0.1, 1.5 - i * 0.3));
    a!.event({ type: 'finished', status: 'completed', iterations: 1800, trainAccuracy: 0.103, testAccuracy: 0.103, seconds: 1 });
    b!.event({ type: 'finished', status: 'completed', iterations: 1800, trainAccuracy: 0.8, testAccuracy: 0.8, seconds: 1 });
    // Idle once both final records are written.
    await supervisor.whenIdle();
    expect((await supervisor.store.get(stuck.id)).stalled).toMatch(/^stuck at chance: test accuracy 10\.3 % and loss 2\.30 ≈ ln 10 .*try a smaller learning rate/);
    expect((await supervisor.store.get(learned.id)).stalled).toBeUndefined();
    expect(finals.find((f) => f.id === stuck.id)).toMatchObject({ status: 'completed', stalled: expect.stringContaining('stuck at chance') });
  });
});
