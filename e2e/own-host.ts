import { spawn, type ChildProcess } from 'node:child_process';
import { WEB_TOKEN } from './session';

export interface OwnHost {
  readonly url: string;
  /** Stops the host and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * A web host of a spec's own, over its own run store (the shared workbench host keeps its store), on a
 * free port, with any more flags of `npm run web` (`--queue URL`); resolves once it listens.
 */
export async function startOwnHost(runsDirectory: string, flags: readonly string[] = []): Promise<OwnHost> {
  const host: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src-web/index.ts', '--port', '0', '--token', WEB_TOKEN, '--runs-dir', runsDirectory, '--concurrency', '1', ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((done) => host.once('exit', done));
  const url = await new Promise<string>((found, fail) => {
    let output = '';
    host.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Open (http:\/\/\S+)/.exec(output);
      if (match?.[1]) found(match[1]);
    });
    host.once('exit', (code) => fail(new Error(`the web host exited (${code}) before it listened:\n${output}`)));
  });
  return {
    url,
    async stop() {
      host.kill('SIGTERM');
      await exited;
    },
  };
}
