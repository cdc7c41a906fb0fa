// For hostile-input tests: a real web host on 127.0.0.1 (the WebSocket API over a real socket), a real run
// store in a temporary folder and real trainer processes, with a client that counts what the host started.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemoryBudget } from '../../src-shared/memory-budget';
import { API_SOCKET_PATH, sessionQuery } from '../../src-shared/web-session';
import { startWebHost, type WebHost } from '../../src-web/web-host';
import { RunStore } from '../runs/run-store';
import { RunSupervisor } from '../trainers/run-supervisor';
import { testTrainerFactory } from '../trainers/test-trainers';
import type { TrainerProcess, TrainerProcessFactory } from '../trainers/trainer-process';
import type { OnnxRunnerOptions } from '../onnx/onnx-runner';
import { WorkbenchService } from './workbench-service';
import { ApiClient } from '../../src-web/test-support/api-client';

const TOKEN = 'hostile-test-token-0123456789';

export interface RealHost {
  readonly root: string;
  readonly service: WorkbenchService;
  readonly store: RunStore;
  readonly supervisor: RunSupervisor;
  readonly client: ApiClient;
  /** Trainer processes the host has started, and how many are alive now / at most were at once. */
  readonly processes: { started: number; alive: number; maxAlive: number };
  close(): Promise<void>;
}

export interface RealHostOptions {
  readonly memoryBudget?: MemoryBudget;
  readonly concurrency?: number;
  /** The ONNX runner's entry, limits and timer. */
  readonly onnx?: OnnxRunnerOptions;
}

export async function startRealHost(options: RealHostOptions = {}): Promise<RealHost> {
  const root = mkdtempSync(join(tmpdir(), 'bpw-hostile-'));
  const renderer = join(root, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Backprop Workbench</title>');
  const processes = { started: 0, alive: 0, maxAlive: 0 };
  const real = testTrainerFactory();
  const factory: TrainerProcessFactory = (): TrainerProcess => {
    const process = real();
    processes.started++;
    processes.alive++;
    processes.maxAlive = Math.max(processes.maxAlive, processes.alive);
    process.onExit(() => processes.alive--);
    return process;
  };
  const store = new RunStore(join(root, 'runs'), '0.0.0-test');
  const supervisor = new RunSupervisor(store, factory, { concurrency: options.concurrency ?? 1 });
  const service = new WorkbenchService({
    supervisor,
    trainerFactory: factory,
    info: { mode: 'web', platform: process.platform, cores: 2, runsDirectory: store.root, versions: { app: '0.0.0-test', node: process.versions.node } },
    ...(options.memoryBudget ? { memoryBudget: options.memoryBudget } : {}),
    ...(options.onnx ? { onnx: options.onnx } : {}),
  });
  const host: WebHost = await startWebHost({ service, rendererDirectory: renderer, port: 0, token: TOKEN });
  const client = await ApiClient.open(`ws://127.0.0.1:${host.port}${API_SOCKET_PATH}${sessionQuery(TOKEN)}`);
  return {
    root,
    service,
    store,
    supervisor,
    client,
    processes,
    async close() {
      client.socket.close();
      await service.shutdown();
      await host.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
