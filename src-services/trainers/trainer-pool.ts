import type { TrainerCommandInput, TrainerEvent } from '../../src-shared/trainer-protocol';
import type { TrainerExit, TrainerProcess, TrainerProcessFactory } from './trainer-process';

/**
 * A trainer process lent to one run. Its events reach the run's listeners only while the run holds it.
 * `release()` ends the lease once the run has finished: the run's exit listeners hear `{ code: 0 }` (for the
 * run, its process is gone) and the process waits, warm, for the next run. `kill()` ends the process itself:
 * a process that was killed, crashed or reported a failure is never lent again.
 */
export interface TrainerLease extends TrainerProcess {
  release(): void;
}

export interface TrainerPoolOptions {
  /** Finished trainer processes kept warm for the next run (0: every run gets a fresh process). */
  readonly keep: number;
  /** An idle process is ended after this long unused (ms). */
  readonly idleMs: number;
}

/** How long an idle trainer process stays warm by default: long enough to carry a sweep from trial to trial. */
export const TRAINER_IDLE_MS = 30_000;

interface Slot {
  readonly process: TrainerProcess;
  lease: Lease | undefined;
  /** Exited, or killed by a lease: never lent again. */
  dead: boolean;
  idleTimer?: ReturnType<typeof setTimeout>;
}

class Lease implements TrainerLease {
  private readonly eventListeners: Array<(event: TrainerEvent) => void> = [];
  private readonly exitListeners: Array<(exit: TrainerExit) => void> = [];
  private ended = false;

  constructor(
    private readonly slot: Slot,
    private readonly giveBack: (slot: Slot) => void,
  ) {}

  get pid(): number | undefined {
    return this.slot.process.pid;
  }

  private get current(): boolean {
    return this.slot.lease === this;
  }

  send(command: TrainerCommandInput): void {
    if (this.current) this.slot.process.send(command);
  }

  onEvent(listener: (event: TrainerEvent) => void): void {
    this.eventListeners.push(listener);
  }

  onExit(listener: (exit: TrainerExit) => void): void {
    this.exitListeners.push(listener);
  }

  kill(signal?: NodeJS.Signals): void {
    if (!this.current) return;
    this.slot.dead = true;
    this.slot.process.kill(signal);
  }

  release(): void {
    if (!this.current) return;
    this.slot.lease = undefined;
    this.end({ code: 0, signal: null });
    this.giveBack(this.slot);
  }

  deliver(event: TrainerEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }

  end(exit: TrainerExit): void {
    if (this.ended) return;
    this.ended = true;
    for (const listener of this.exitListeners) listener(exit);
  }
}

/**
 * Trainer processes lent run by run. A process that finished its run cleanly goes back to the pool, where the
 * next run finds its modules loaded and its datasets decoded (a sweep's trials each saved ~0.6 s of process
 * start and MNIST decoding that way). At most `keep` wait at once, each at most `idleMs`.
 */
export class TrainerPool {
  private readonly idle: Slot[] = [];
  private closed = false;

  constructor(
    private readonly factory: TrainerProcessFactory,
    private readonly options: TrainerPoolOptions,
  ) {}

  /** Processes waiting for a run. */
  get idleCount(): number {
    return this.idle.length;
  }

  lease(): TrainerLease {
    const slot = this.idle.pop() ?? this.spawn();
    clearTimeout(slot.idleTimer);
    const lease = new Lease(slot, (s) => this.giveBack(s));
    slot.lease = lease;
    return lease;
  }

  /** Ends the idle processes; the ones lent out are ended by their runs. Later releases end theirs. */
  close(): void {
    this.closed = true;
    for (const slot of this.idle.splice(0)) this.end(slot);
  }

  private spawn(): Slot {
    const process = this.factory();
    const slot: Slot = { process, lease: undefined, dead: false };
    process.onEvent((event) => slot.lease?.deliver(event));
    process.onExit((exit) => {
      slot.dead = true;
      clearTimeout(slot.idleTimer);
      const index = this.idle.indexOf(slot);
      if (index >= 0) this.idle.splice(index, 1);
      slot.lease?.end(exit);
    });
    return slot;
  }

  private giveBack(slot: Slot): void {
    if (slot.dead || this.closed || this.idle.length >= this.options.keep) {
      this.end(slot);
      return;
    }
    slot.idleTimer = setTimeout(() => {
      const index = this.idle.indexOf(slot);
      if (index >= 0) this.idle.splice(index, 1);
      this.end(slot);
    }, this.options.idleMs);
    // The timer keeps no host alive by itself (a host that ends closes its pool).
    slot.idleTimer.unref?.();
    this.idle.push(slot);
  }

  private end(slot: Slot): void {
    slot.dead = true;
    clearTimeout(slot.idleTimer);
    slot.process.kill();
  }
}
