import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The process entries bundled for this test run (trainers: src-services/trainers/test-trainers.ts; the ONNX runner; a queue worker). */
    trainerEntries: { readonly trainer: string; readonly pausing: string; readonly fullDisk: string; readonly onnxRunner: string; readonly queueWorker: string };
  }
}

/**
 * Runs once before the unit tests: bundles the entries of the processes the tests start (trainers, the ONNX
 * runner, a queue worker), so they load plain JavaScript instead of compiling the sources through tsx each time (about 0.7 s
 * per process on the project's machines). The bundle is built from the current sources on every run and lives
 * inside the project (its code finds the project root, the bundled MNIST and the addon from where it sits).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const cache = join(root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(join(cache, 'bpw-test-trainer-'));
  await build({
    entryPoints: {
      trainer: join(root, 'src-trainer', 'trainer-entry.ts'),
      pausing: join(root, 'src-trainer', 'test-support', 'pausing-entry.ts'),
      fullDisk: join(root, 'src-trainer', 'test-support', 'full-disk-entry.ts'),
      onnxRunner: join(root, 'src-services', 'onnx', 'runner-entry.ts'),
      queueWorker: join(root, 'src-services', 'queue', 'test-support', 'worker-entry.ts'),
    },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  const entry = (name: string): string => join(outdir, `${name}.mjs`);
  project.provide('trainerEntries', { trainer: entry('trainer'), pausing: entry('pausing'), fullDisk: entry('fullDisk'), onnxRunner: entry('onnxRunner'), queueWorker: entry('queueWorker') });
  return () => rmSync(outdir, { recursive: true, force: true });
}
