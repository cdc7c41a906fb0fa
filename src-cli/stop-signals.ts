/** Repeats of a signal this soon after the first are the same keypress delivered twice (see below). */
export const REPEAT_WINDOW_MS = 1000;

/** What emits the signals: the process, or a stand-in. */
interface SignalTarget {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export interface StopRequest {
  /** True once SIGINT or SIGTERM arrived. */
  readonly requested: boolean;
  /** Removes the handlers (the default behaviour is back). */
  dispose(): void;
}

export interface StopSignalOptions {
  /** Said once, at the first signal. */
  readonly firstNote: string;
  /** Said before quitting at once on a second signal. */
  readonly secondNote: string;
  readonly write: (text: string) => void;
  /** Called once, at the first signal (after its note). */
  readonly onStop?: () => void;
  /** Quits at once (default: process.exit(130)). */
  readonly quit?: () => void;
  readonly clock?: () => number;
  /** Where to listen (default the process; tests pass an EventEmitter). */
  readonly target?: SignalTarget;
}

/**
 * Ctrl+C and SIGTERM ask for a clean stop; a second one quits at once. Under `npm run` one Ctrl+C can
 * arrive more than once: the terminal signals the whole process group, and npm and tsx also forward it to
 * their child. So a repeat within REPEAT_WINDOW_MS of the first counts as the same request.
 */
export function onStopSignals(options: StopSignalOptions): StopRequest {
  const clock = options.clock ?? (() => performance.now());
  const target: SignalTarget = options.target ?? process;
  const quit = options.quit ?? (() => process.exit(130));
  let firstAt: number | undefined;
  const handler = (): void => {
    const now = clock();
    if (firstAt === undefined) {
      firstAt = now;
      options.write(options.firstNote);
      options.onStop?.();
    } else if (now - firstAt >= REPEAT_WINDOW_MS) {
      options.write(options.secondNote);
      quit();
    }
  };
  target.on('SIGINT', handler);
  target.on('SIGTERM', handler);
  return {
    get requested() {
      return firstAt !== undefined;
    },
    dispose() {
      target.off('SIGINT', handler);
      target.off('SIGTERM', handler);
    },
  };
}
