import { UserError } from './errors';

/** Short-lived helper processes (traces, gradient checks) running at once, and requests waiting for one. */
const HELPER_PROCESSES = 2;
const HELPER_QUEUE = 4;

/**
 * A cap on the helper processes a host starts for requests: at most `limit` run at once, up to `queue` more
 * requests wait their turn in order, and any beyond are refused with a message (ten clicks start two
 * processes, not ten).
 */
export class HelperSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly limit = HELPER_PROCESSES,
    readonly queue = HELPER_QUEUE,
  ) {}

  /** Runs `job` in a slot, after waiting for one if needed; `signal` gives up the wait (the job then never runs). */
  async run<T>(what: string, job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.queue) {
        throw new UserError(`${what}: ${this.limit} helper processes are busy and ${this.queue} requests are waiting; try again when one finishes`);
      }
      await new Promise<void>((resolve, reject) => {
        const turn = (): void => {
          signal?.removeEventListener('abort', giveUp);
          resolve();
        };
        const giveUp = (): void => {
          this.waiting.splice(this.waiting.indexOf(turn), 1);
          reject(signal?.reason instanceof Error ? signal.reason : new UserError(`${what}: cancelled`));
        };
        signal?.addEventListener('abort', giveUp, { once: true });
        this.waiting.push(turn);
      });
    }
    // A slot handed over by release() is already counted as running.
    else this.running++;
    try {
      return await job();
    } finally {
      this.release();
    }
  }

  get busy(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
