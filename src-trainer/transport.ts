import type { TrainerEvent } from '../src-shared/trainer-protocol';

/**
 * The trainer process. The same code runs as an Electron utility process (messages on process.parentPort)
 * and as a plain Node child (process.send with advanced serialization), so the CLI, the web host and the
 * tests exercise exactly what the desktop app runs.
 */
export interface Transport {
  send(event: TrainerEvent): void;
  onMessage(listener: (message: unknown) => void): void;
}

interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function detectTransport(): Transport {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) {
    return { send: (event) => parentPort.postMessage(event), onMessage: (listener) => parentPort.on('message', (e) => listener(e.data)) };
  }
  if (process.send) {
    const send = process.send.bind(process);
    return { send: (event) => send(event), onMessage: (listener) => process.on('message', listener) };
  }
  throw new Error('trainer host: started without a parent to talk to (use utilityProcess.fork or child_process.fork)');
}
