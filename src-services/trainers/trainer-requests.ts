import type { TrainConfig } from '../../src-shared/config';
import type { TrainerEvent } from '../../src-shared/trainer-protocol';
import type { TrainerProcess } from './trainer-process';

type Reply = Extract<TrainerEvent, { requestId: string }>;

interface Pending {
  readonly resolve: (event: Reply) => void;
  readonly reject: (error: Error) => void;
}

const routers = new WeakMap<TrainerProcess, Map<string, Pending>>();
let nextRequest = 0;

/** One listener per process routes replies by requestId, so many requests never pile up listeners. */
function routerOf(process: TrainerProcess): Map<string, Pending> {
  let pending = routers.get(process);
  if (!pending) {
    const table = new Map<string, Pending>();
    pending = table;
    routers.set(process, table);
    process.onEvent((event) => {
      if (!('requestId' in event)) return;
      const waiter = table.get(event.requestId);
      if (!waiter) return;
      table.delete(event.requestId);
      if (event.type === 'requestFailed') waiter.reject(new Error(event.reason));
      else waiter.resolve(event);
    });
    process.onExit((exit) => {
      const how = exit.signal ? `was stopped (${exit.signal})` : `exited with code ${exit.code}`;
      for (const waiter of table.values()) waiter.reject(new Error(`the trainer process ${how} before it answered`));
      table.clear();
    });
  }
  return pending;
}

type RequestCommand =
  | { type: 'predict'; images: Float32Array; rows: number }
  | { type: 'evaluate' }
  | { type: 'exportWeights' }
  | { type: 'layerGraph'; config: TrainConfig; batchSize: number }
  | { type: 'exportOnnx'; runId?: string; runName?: string; appVersion: string }
  | { type: 'gradientCheck'; config: TrainConfig; samples: number };

/** Sends a request to a trainer process and waits for its reply of the expected type. */
export function requestFromTrainer<T extends Reply['type']>(
  process: TrainerProcess,
  command: RequestCommand,
  expected: T,
  timeoutMs = 60_000,
): Promise<Extract<Reply, { type: T }>> {
  const table = routerOf(process);
  const requestId = `r${++nextRequest}`;
  return new Promise((resolve, reject) => {
    const timer = timeoutMs > 0 ? setTimeout(() => {
      table.delete(requestId);
      reject(new Error(`the trainer did not answer ${command.type} within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs) : undefined;
    table.set(requestId, {
      resolve: (event) => {
        clearTimeout(timer);
        if (event.type === expected) resolve(event as Extract<Reply, { type: T }>);
        else reject(new Error(`the trainer answered ${command.type} with ${event.type}`));
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    process.send({ ...command, requestId } as Parameters<TrainerProcess['send']>[0]);
  });
}
