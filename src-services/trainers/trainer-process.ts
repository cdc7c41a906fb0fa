import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainerEventSchema, type TrainerCommandInput, type TrainerEvent } from '../../src-shared/trainer-protocol';

/**
 * A trainer process seen from its host, whatever runs it: Electron's utilityProcess in the desktop app,
 * child_process.fork under plain Node (CLI, web host, tests). Events are validated as they arrive.
 */
export interface TrainerProcess {
  readonly pid: number | undefined;
  send(command: TrainerCommandInput): void;
  onEvent(listener: (event: TrainerEvent) => void): void;
  onExit(listener: (exit: TrainerExit) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export interface TrainerExit {
  readonly code: number | null;
  readonly signal: string | null;
}

export type TrainerProcessFactory = () => TrainerProcess;

/** Wraps raw messages: a message that is not a valid event becomes a log line instead of reaching the host. */
export function validatedEvent(message: unknown): TrainerEvent {
  const parsed = trainerEventSchema.safeParse(message);
  if (parsed.success) return parsed.data;
  return { type: 'log', level: 'error', message: `trainer sent an invalid message: ${parsed.error.issues[0]?.message ?? 'unknown'}` };
}

/** The script a trainer process runs, the Node flags it needs, and its own arguments (none by default). */
export interface NodeTrainerEntry {
  readonly file: string;
  readonly execArgv: readonly string[];
  readonly args?: readonly string[];
}

/**
 * The trainer entry for plain Node: the built file next to the main bundle when it exists (a packaged app or
 * after `npm run build`), else the TypeScript source run through tsx.
 */
function nodeTrainerEntry(): NodeTrainerEntry {
  const self = fileURLToPath(import.meta.url);
  const here = dirname(self);
  // Run from source (tsx) this file is src-services/trainers/trainer-process.ts; bundled, it sits in out/main.
  if (self.endsWith('.ts')) return { file: join(here, '..', '..', 'src-trainer', 'trainer-entry.ts'), execArgv: ['--import', 'tsx'] };
  return { file: join(here, 'trainer-entry.js'), execArgv: [] };
}

export function nodeTrainerFactory(entry: NodeTrainerEntry = nodeTrainerEntry()): TrainerProcessFactory {
  return () => {
    // 'advanced' serialization carries typed arrays as binary (structured clone), not as JSON number lists.
    // A process group of its own (POSIX): a terminal's Ctrl+C reaches the host, which stops its runs with a
    // checkpoint, and not the trainer mid-step (nor while it starts). Without its parent the trainer exits.
    const child = fork(entry.file, [...(entry.args ?? [])], {
      execArgv: [...entry.execArgv],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      detached: process.platform !== 'win32',
    });
    const exitListeners: Array<(exit: TrainerExit) => void> = [];
    child.on('exit', (code, signal) => exitListeners.forEach((listener) => listener({ code, signal })));
    // Write errors to an exiting child are covered by its exit event; a child that never started has no
    // exit event, so it reports one here.
    child.on('error', () => {
      if (child.pid === undefined) exitListeners.forEach((listener) => listener({ code: null, signal: 'spawn failed' }));
    });
    return {
      get pid() {
        return child.pid;
      },
      send(command) {
        // A child that is exiting refuses the write (EPIPE): its exit event already fails the run and any
        // request waiting on it, so the write error itself carries nothing more.
        if (child.connected) child.send(command, () => undefined);
      },
      onEvent(listener) {
        child.on('message', (message) => listener(validatedEvent(message)));
      },
      onExit(listener) {
        exitListeners.push(listener);
      },
      kill(signal = 'SIGTERM') {
        child.kill(signal);
      },
    };
  };
}
