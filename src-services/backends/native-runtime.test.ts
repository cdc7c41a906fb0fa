import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../../src-engine/backends/ts-backend';
import { Rng } from '../../src-engine/rng';
import { injectNativeFailureForTests, nativeAddonPath, nativeInfo, setNativeThreads } from './native-backend';
import { nativeForTests, requireBackground, requireNative } from './native-for-tests';

/** out = gather(src, indices) x W by the definition, in float64. */
function gatherMatmulOracle(src: Uint8Array, rowLength: number, indices: Int32Array, scale: number, w: Float64Array, n: number): Float64Array {
  const out = new Float64Array(indices.length * n);
  for (let r = 0; r < indices.length; r++) {
    for (let p = 0; p < rowLength; p++) {
      const x = src[indices[r]! * rowLength + p]! * scale;
      for (let c = 0; c < n; c++) out[r * n + c] += x * w[p * n + c]!;
    }
  }
  return out;
}

describe.skipIf(!nativeForTests.backend)('the native runtime: threads, failures, environments', () => {
  // Collected even where it is skipped: the addon's kernels are read when a test runs.
  const native = requireNative;
  const background = requireBackground;
  const ts = createTsBackend();
  const rng = new Rng(77);
  // 300^3 float64 multiply-adds: 5.4e7 flops, above the 3e7 from which a product is split across threads.
  const size = 300;
  const a = Float64Array.from({ length: size * size }, () => rng.uniform() - 0.5);
  const b = Float64Array.from({ length: size * size }, () => rng.uniform() - 0.5);

  it('a failure on a pool worker (std::bad_alloc) reaches JavaScript as an Error, and the pool keeps working', () => {
    const threads = nativeInfo().threads;
    try {
      setNativeThreads(2);
      const c = new Float64Array(size * size);
      injectNativeFailureForTests('worker');
      expect(() => native().gemm(false, false, size, size, size, 1, a, b, 0, c)).toThrow(/^gemm: out of memory$/);
      // The next calls run normally, on both threads, and give the product.
      native().gemm(false, false, size, size, size, 1, a, b, 0, c);
      const expected = new Float64Array(size * size);
      ts.gemm(false, false, size, size, size, 1, a, b, 0, expected);
      // 300-term dot products of values in [-0.5, 0.5): float64 rounding well under 1e-12.
      for (let i = 0; i < c.length; i += 997) expect(Math.abs(c[i]! - expected[i]!)).toBeLessThanOrEqual(1e-12);
      injectNativeFailureForTests('worker');
      expect(() => native().gatherRows(new Uint8Array(64), 8, new Int32Array(3000), 1, new Float32Array(3000 * 8))).toThrow(/^gatherRows: out of memory$/);
    } finally {
      setNativeThreads(threads);
    }
  });

  it('a failure on the background thread is thrown by wait or done for that job, and later jobs run', () => {
    const rowLength = 12;
    const n = 5;
    const src = Uint8Array.from({ length: 40 * rowLength }, () => rng.integer(256));
    const indices = Int32Array.from({ length: 30 }, () => rng.integer(40));
    const w = Float64Array.from({ length: rowLength * n }, () => rng.uniform() - 0.5);
    injectNativeFailureForTests('background');
    const failed = background().gatherMatmul(src, rowLength, indices, 1 / 255, w, n, new Float64Array(30 * n));
    expect(() => background().wait(failed)).toThrow(/^gatherMatmulAsync: out of memory on the background thread$/);
    injectNativeFailureForTests('background');
    const polled = background().gatherMatmul(src, rowLength, indices, 1 / 255, w, n, new Float64Array(30 * n));
    let error: unknown;
    // done() never blocks: it returns false until the job has run, then throws its error.
    for (let finished = false; !finished; ) {
      try {
        finished = background().done(polled);
      } catch (e) {
        error = e;
        finished = true;
      }
    }
    expect(error).toBeInstanceOf(Error);
    const out = new Float64Array(30 * n).fill(NaN);
    const ticket = background().gatherMatmul(src, rowLength, indices, 1 / 255, w, n, out);
    background().wait(ticket);
    const expected = gatherMatmulOracle(src, rowLength, indices, 1 / 255, w, n);
    // 12-term sums in float64.
    for (let i = 0; i < out.length; i++) expect(Math.abs(out[i]! - expected[i]!)).toBeLessThanOrEqual(1e-14);
  });

  it('each worker_thread has its own runtime (threads, background jobs) and ends it cleanly, even with a job queued', async () => {
    const mainThreads = nativeInfo().threads;
    // The worker sets 1 thread, checks a product, queues a large background job and exits without waiting:
    // its environment's cleanup must let the job finish before the arrays go away.
    const code = String.raw`
      const { parentPort, workerData } = require('node:worker_threads');
      const b = require(workerData.addon);
      b.setThreads(1);
      const c = new Float64Array(4);
      b.gemm(false, false, 2, 2, 2, 1, Float64Array.of(1, 2, 3, 4), Float64Array.of(5, 6, 7, 8), 0, c);
      const rows = 4000, rowLength = 784, n = 50;
      const src = new Uint8Array(rows * rowLength).fill(3);
      const indices = Int32Array.from({ length: rows }, (_, i) => i);
      b.gatherMatmulAsync(src, rowLength, indices, 1 / 255, new Float32Array(rowLength * n).fill(1), n, new Float32Array(rows * n));
      parentPort.postMessage({ threads: b.info().threads, c: Array.from(c) });
      process.exit(0);
    `;
    const runWorker = () =>
      new Promise<{ message: { threads: number; c: number[] }; code: number }>((resolve, reject) => {
        const worker = new Worker(code, { eval: true, workerData: { addon: nativeAddonPath() } });
        let message: { threads: number; c: number[] } | undefined;
        worker.on('message', (m: { threads: number; c: number[] }) => (message = m));
        worker.on('error', reject);
        worker.on('exit', (exitCode) => (message ? resolve({ message, code: exitCode }) : reject(new Error(`worker exited (${exitCode}) without a report`))));
      });
    const results = await Promise.all([runWorker(), runWorker()]);
    for (const { message, code: exitCode } of results) {
      expect(exitCode).toBe(0);
      expect(message).toEqual({ threads: 1, c: [19, 22, 43, 50] });
    }
    // The main environment's runtime is untouched and still works.
    expect(nativeInfo().threads).toBe(mainThreads);
    const c = new Float64Array(4);
    native().gemm(false, false, 2, 2, 2, 1, Float64Array.of(1, 2, 3, 4), Float64Array.of(5, 6, 7, 8), 0, c);
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
  });
});
