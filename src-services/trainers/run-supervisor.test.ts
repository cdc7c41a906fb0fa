import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../src-shared/config';
import type { TrainerCommandInput } from '../../src-shared/trainer-protocol';
import { RunStore } from '../runs/run-store';
import { RunSupervisor } from './run-supervisor';
import type { TrainerProcess, TrainerProcessFactory } from './trainer-process';

/** Trainer processes that only record the commands they are sent (nothing trains). */
function recordingFactory(): { factory: TrainerProcessFactory; sent: TrainerCommandInput[] } {
  const sent: TrainerCommandInput[] = [];
  const factory: TrainerProcessFactory = (): TrainerProcess => ({
    pid: undefined,
    send: (command) => sent.push(command),
    onEvent: () => undefined,
    onExit: () => undefined,
    kill: () => undefined,
  });
  return { factory, sent };
}

async function threadsSent(concurrency: number | undefined, cores: number): Promise<number[]> {
  const { factory, sent } = recordingFactory();
  const store = new RunStore(join(await mkdtemp(join(tmpdir(), 'bpw-sup-threads-')), 'runs'));
  const supervisor = new RunSupervisor(store, factory, { ...(concurrency ? { concurrency } : {}), cores });
  for (let i = 0; i < 3; i++) await supervisor.enqueue(parseTrainConfig({ seed: i }));
  return sent.flatMap((c) => (c.type === 'start' ? [c.threads ?? 0] : []));
}

describe('RunSupervisor thread shares', () => {
  it('gives each trainer process floor(cores / concurrency) kernel threads, at least one', async () => {
    // Two trainers at once on two cores: one thread each (not two each, four threads on two cores).
    expect(await threadsSent(2, 2)).toEqual([1, 1]);
    expect(await threadsSent(1, 8)).toEqual([8]);
    expect(await threadsSent(3, 8)).toEqual([2, 2, 2]);
    expect(await threadsSent(3, 2)).toEqual([1, 1, 1]);
    // The default concurrency is one trainer per core, so one thread each.
    expect(await threadsSent(undefined, 4)).toEqual([1, 1, 1]);
  });
});
