import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_SOCKET_PATH, sessionQuery } from '../../../src-shared/web-session';
import { startWebHost, type WebHost } from '../../../src-web/web-host';
import { WorkbenchService } from '../../api/workbench-service';
import { RunStore } from '../../runs/run-store';
import { RunSupervisor } from '../../trainers/run-supervisor';
import { testTrainerFactory } from '../../trainers/test-trainers';
import type { OnnxRunnerOptions } from '../onnx-runner';
import { ApiClient } from '../../../src-web/test-support/api-client';

const TOKEN = 'onnx-hostile-token-0123456789';

export interface OnnxTestHost {
  readonly service: WorkbenchService;
  readonly host: WebHost;
  readonly client: ApiClient;
  readonly directory: string;
  close(): Promise<void>;
}

/** A real web host on 127.0.0.1 (port picked by the system) over a real service, and a connected client. */
export async function startOnnxTestHost(onnx: OnnxRunnerOptions): Promise<OnnxTestHost> {
  const directory = mkdtempSync(join(tmpdir(), 'bpw-onnx-hostile-'));
  const renderer = join(directory, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Backprop Workbench</title>');
  const factory = testTrainerFactory();
  const service = new WorkbenchService({
    supervisor: new RunSupervisor(new RunStore(join(directory, 'runs'), '0.0.0-test'), factory, { concurrency: 1 }),
    trainerFactory: factory,
    info: { mode: 'web', platform: process.platform, cores: 2, runsDirectory: join(directory, 'runs'), versions: { app: '0.0.0-test', node: process.versions.node } },
    onnx,
  });
  const host = await startWebHost({ service, rendererDirectory: renderer, port: 0, token: TOKEN });
  const client = await ApiClient.open(`ws://127.0.0.1:${host.port}${API_SOCKET_PATH}${sessionQuery(TOKEN)}`);
  return {
    service,
    host,
    client,
    directory,
    close: async () => {
      client.socket.close();
      await service.shutdown();
      await host.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** importOnnx's params for a file's bytes. */
export const importParams = (fileName: string, bytes: Uint8Array): { fileName: string; base64: string } => ({ fileName, base64: Buffer.from(bytes).toString('base64') });

/** This process's memory now and at its peak so far, in MiB. */
export function memoryMiB(): { rss: number; maxRss: number } {
  return { rss: Math.round(process.memoryUsage().rss / 2 ** 20), maxRss: Math.round(process.resourceUsage().maxRSS / 1024) };
}
