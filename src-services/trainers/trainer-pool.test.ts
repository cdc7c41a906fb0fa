import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TrainerEvent } from '../../src-shared/trainer-protocol';
import type { TrainerExit } from './trainer-process';
import { FakeTrainerProcess } from './fake-trainer-process';
import { TrainerPool } from './trainer-pool';

function pool(keep: number, idleMs = 1000) {
  const spawned: FakeTrainerProcess[] = [];
  const trainers = new TrainerPool(() => {
    const process = new FakeTrainerProcess();
    spawned.push(process);
    return process;
  }, { keep, idleMs });
  return { trainers, spawned };
}

const log: TrainerEvent = { type: 'log', level: 'info', message: 'hello' };

afterEach(() => {
  vi.useRealTimers();
});

describe('TrainerPool', () => {
  it('lends a released process to the next run; the first run hears its end and none of the next run’s events', () => {
    const { trainers, spawned } = pool(1);
    const first = trainers.lease();
    const firstEvents: TrainerEvent[] = [];
    const firstExits: TrainerExit[] = [];
    first.onEvent((e) => firstEvents.push(e));
    first.onExit((e) => firstExits.push(e));
    first.send({ type: 'stop' });
    spawned[0]!.event(log);
    first.release();
    expect(firstExits).toEqual([{ code: 0, signal: null }]);
    expect(trainers.idleCount).toBe(1);

    const second = trainers.lease();
    const secondEvents: TrainerEvent[] = [];
    second.onEvent((e) => secondEvents.push(e));
    expect(spawned).toHaveLength(1);
    expect(spawned[0]!.killedWith).toBeUndefined();
    spawned[0]!.event(log);
    expect(firstEvents).toEqual([log]);
    expect(secondEvents).toEqual([log]);
    // The old lease can no longer reach the process: its commands and kills go nowhere.
    first.send({ type: 'pause' });
    first.kill();
    expect(spawned[0]!.sent.map((c) => c.type)).toEqual(['stop']);
    expect(spawned[0]!.killedWith).toBeUndefined();
  });

  it('never lends again a process that was killed or exited; the next run gets a fresh one', () => {
    const { trainers, spawned } = pool(2);
    const killed = trainers.lease();
    const exits: TrainerExit[] = [];
    killed.onExit((e) => exits.push(e));
    killed.kill('SIGKILL');
    expect(exits).toEqual([{ code: null, signal: 'SIGKILL' }]);
    killed.release();
    expect(trainers.idleCount).toBe(0);

    const crashed = trainers.lease();
    spawned[1]!.exit({ code: 1, signal: null });
    crashed.release();
    expect(trainers.idleCount).toBe(0);

    // A warm process that dies while it waits leaves the pool too.
    const warm = trainers.lease();
    warm.release();
    expect(trainers.idleCount).toBe(1);
    spawned[2]!.exit({ code: null, signal: 'SIGKILL' });
    expect(trainers.idleCount).toBe(0);
    trainers.lease();
    expect(spawned).toHaveLength(4);
  });

  it('keeps at most `keep` warm, each at most idleMs, and ends them all on close', () => {
    vi.useFakeTimers();
    const { trainers, spawned } = pool(1, 1000);
    const [a, b] = [trainers.lease(), trainers.lease()];
    a.release();
    b.release();
    expect(trainers.idleCount).toBe(1);
    expect(spawned.map((p) => p.killedWith)).toEqual([undefined, 'SIGTERM']);
    vi.advanceTimersByTime(999);
    expect(trainers.idleCount).toBe(1);
    vi.advanceTimersByTime(1);
    expect(trainers.idleCount).toBe(0);
    expect(spawned[0]!.killedWith).toBe('SIGTERM');

    const c = trainers.lease();
    c.release();
    trainers.close();
    expect(spawned[2]!.killedWith).toBe('SIGTERM');
    // Closed: a run that ends later does not keep its process.
    const d = trainers.lease();
    d.release();
    expect(spawned[3]!.killedWith).toBe('SIGTERM');
  });

  it('with keep 0 every run gets a fresh process, ended when the run releases it', () => {
    const { trainers, spawned } = pool(0);
    trainers.lease().release();
    trainers.lease().release();
    expect(spawned.map((p) => p.killedWith)).toEqual(['SIGTERM', 'SIGTERM']);
  });
});
