import { startRealHost, type RealHost } from '../../api/real-host-fixtures';
import type { OnnxRunnerOptions } from '../onnx-runner';

export type OnnxTestHost = RealHost;

/** A real web host on 127.0.0.1 over a real service with this ONNX runner, and a connected client (see startRealHost). */
export function startOnnxTestHost(onnx: OnnxRunnerOptions): Promise<OnnxTestHost> {
  return startRealHost({ onnx });
}

/** importOnnx's params for a file's bytes. */
export const importParams = (fileName: string, bytes: Uint8Array): { fileName: string; base64: string } => ({ fileName, base64: Buffer.from(bytes).toString('base64') });

/** This process's memory now and at its peak so far, in MiB. */
export function memoryMiB(): { rss: number; maxRss: number } {
  return { rss: Math.round(process.memoryUsage().rss / 2 ** 20), maxRss: Math.round(process.resourceUsage().maxRSS / 1024) };
}
