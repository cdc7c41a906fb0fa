import type { TrainerCommandInput, TrainerEvent, TrainerEventOf } from '../../src-shared/trainer-protocol';
import type { TrainerProcess } from './trainer-process';

type Reply = Extract<TrainerEvent, { requestId: string }>;
type ReplyType = Reply['type'];

/** Thrown by requestFromTrainer when its caller cancels the request (its signal aborts) before the answer. */
export class TrainerRequestCancelled extends Error {
  constructor(command: string) {
    super(`the ${command} request was cancelled`);
    this.name = 'TrainerRequestCancelled';
  }
}

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

type WithoutRequestId<C> = C extends { requestId: string } ? Omit<C, 'requestId'> : never;

/** The protocol's request commands (predict, evaluate, ...) without the requestId, which is added here. */
export type TrainerRequest = WithoutRequestId<TrainerCommandInput>;

export interface TrainerRequestOptions {
  /** Fails the request after this long; 0 waits for ever (default 60 s). */
  readonly timeoutMs?: number;
  /** Aborting it fails the request with TrainerRequestCancelled (the caller then ends the process). */
  readonly signal?: AbortSignal;
}

function withRequestId(request: TrainerRequest, requestId: string): TrainerCommandInput {
  return { ...request, requestId };
}

/** Sends a request to a trainer process and waits for its reply of the expected type. */
export function requestFromTrainer<T extends ReplyType>(
  process: TrainerProcess,
  request: TrainerRequest,
  expected: T,
  options: TrainerRequestOptions = {},
): Promise<TrainerEventOf<T>> {
  const { timeoutMs = 60_000, signal } = options;
  const table = routerOf(process);
  const requestId = `r${++nextRequest}`;
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
      table.delete(requestId);
    };
    const cancel = (): void => {
      settle();
      reject(new TrainerRequestCancelled(request.type));
    };
    const timer = timeoutMs > 0 ? setTimeout(() => {
      settle();
      reject(new Error(`the trainer did not answer ${request.type} within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs) : undefined;
    if (signal?.aborted) {
      cancel();
      return;
    }
    signal?.addEventListener('abort', cancel, { once: true });
    table.set(requestId, {
      resolve: (event) => {
        settle();
        if (isReplyOf(event, expected)) resolve(event);
        else reject(new Error(`the trainer answered ${request.type} with ${event.type}`));
      },
      reject: (error) => {
        settle();
        reject(error);
      },
    });
    process.send(withRequestId(request, requestId));
  });
}

function isReplyOf<T extends ReplyType>(event: Reply, expected: T): event is TrainerEventOf<T> {
  return event.type === expected;
}
