import { utilityProcess } from 'electron';
import { fileURLToPath } from 'node:url';
import { validatedEvent, type TrainerProcessFactory } from '../../src-services/trainers/trainer-process';

/** The desktop transport: each trainer runs in an Electron utility process started from the built entry. */
export function utilityTrainerFactory(): TrainerProcessFactory {
  const entry = fileURLToPath(new URL('./trainer-entry.js', import.meta.url));
  return () => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'Backprop Workbench trainer', stdio: 'inherit' });
    return {
      get pid() {
        return child.pid;
      },
      send(command) {
        child.postMessage(command);
      },
      onEvent(listener) {
        child.on('message', (message: unknown) => listener(validatedEvent(message)));
      },
      onExit(listener) {
        // Electron reports only a code; a crash or a kill shows up as a non-zero code.
        child.on('exit', (code: number) => listener({ code, signal: null }));
      },
      kill() {
        child.kill();
      },
    };
  };
}
