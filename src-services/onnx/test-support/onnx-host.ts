import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { ApiEnvelope, WebFrame } from '../../../src-shared/api';
import { API_SOCKET_PATH, sessionQuery } from '../../../src-shared/web-session';
import { startWebHost, type WebHost } from '../../../src-web/web-host';
import { WorkbenchService } from '../../api/workbench-service';
import { RunStore } from '../../runs/run-store';
import { RunSupervisor } from '../../trainers/run-supervisor';
import { testTrainerFactory } from '../../trainers/test-trainers';
import type { OnnxRunnerOptions } from '../onnx-runner';

const TOKEN = 'onnx-hostile-token-0123456789';

/** A client of the web host's WebSocket API that records the order in which answers arrive. */
class ApiClient {
  /** Request ids in the order their answers arrived. */
  readonly answered: number[] = [];
  private readonly waiters = new Map<number, (envelope: ApiEnvelope) => void>();
  private next = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as WebFrame;
      if ('id' in frame) {
        this.answered.push(frame.id);
        this.waiters.get(frame.id)?.(frame.envelope);
      }
    });
  }

  static open(url: string): Promise<ApiClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(new ApiClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request now; `answer` resolves with its envelope. */
  send(method: string, params: unknown = {}): { id: number; answer: Promise<ApiEnvelope> } {
    const id = this.next++;
    const answer = new Promise<ApiEnvelope>((resolve) => this.waiters.set(id, resolve));
    this.socket.send(JSON.stringify({ id, method, params }));
    return { id, answer };
  }

  call(method: string, params: unknown = {}): Promise<ApiEnvelope> {
    return this.send(method, params).answer;
  }
}

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
