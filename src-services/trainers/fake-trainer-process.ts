import type { TrainerCommandInput, TrainerEvent } from '../../src-shared/trainer-protocol';
import type { TrainerExit, TrainerProcess } from './trainer-process';

/**
 * A trainer process for tests of its hosts: it records what it is sent, answers only when the test says so,
 * and "exits" when killed, as a forked child reports it (signal set, no code).
 */
export class FakeTrainerProcess implements TrainerProcess {
  readonly pid = 1;
  readonly sent: TrainerCommandInput[] = [];
  killedWith: string | undefined;
  /** Called on every command sent, to answer it (or not). */
  onSend: ((command: TrainerCommandInput, process: FakeTrainerProcess) => void) | undefined;
  private readonly eventListeners: Array<(event: TrainerEvent) => void> = [];
  private readonly exitListeners: Array<(exit: TrainerExit) => void> = [];
  private exited = false;

  send(command: TrainerCommandInput): void {
    this.sent.push(command);
    this.onSend?.(command, this);
  }

  onEvent(listener: (event: TrainerEvent) => void): void {
    this.eventListeners.push(listener);
  }

  onExit(listener: (exit: TrainerExit) => void): void {
    this.exitListeners.push(listener);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.killedWith = signal;
    this.exit({ code: null, signal });
  }

  /** Delivers an event as if the trainer had sent it. */
  event(event: TrainerEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }

  exit(exit: TrainerExit): void {
    if (this.exited) return;
    this.exited = true;
    for (const listener of this.exitListeners) listener(exit);
  }
}

/** The requestId of a command sent to a trainer ('' for commands that carry none). */
export function requestIdOf(command: TrainerCommandInput): string {
  return 'requestId' in command ? command.requestId : '';
}
