// `npm run bench`: GEMM throughput, the book's default training run end to end, and the trainer process's
// message rate. Prints tables and writes bench/results/latest.json (--json also prints the JSON).
// Flags: --quick (GEMM only), --skip-training, --ts-training (the full TypeScript-backend run, ~5 min),
// --only-convnet (only the SimpleConvNet rows: native 1 and 2 threads against PyTorch, see simple-convnet.ts).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTrainConfig } from '../src-shared/config';
import type { Backend, DType } from '../src-engine/backend';
import { loadNativeBackend, nativeInfo, setNativeThreads } from '../src-services/backends/native-backend';
import { loadWasmBackend } from '../src-services/backends/wasm/wasm-backend';
import { wasmModulePath } from '../src-services/backends/wasm/wasm-module';
import { statSync } from 'node:fs';
import { createTsBackend } from '../src-engine/backends/ts-backend';
import type { InputFormat } from '../src-engine/training/split-images';
import { Trainer } from '../src-engine/training/trainer';
import { sparseImagesOf } from '../src-engine/sparse-images';
import type { Dataset } from '../src-engine/dataset';
import { bundledMnistDirectory, loadIdxDataset } from '../src-services/data/load-dataset';
import { measureMessageRate } from './message-rate';
import { table, time } from './harness';
import { timeSimpleConvNet, torchReference, type ConvNetRun } from './simple-convnet';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const onlyConvNet = args.has('--only-convnet');
const skipTraining = quick || onlyConvNet || args.has('--skip-training');

interface GemmShape {
  readonly label: string;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** Large shapes are skipped on the slow TypeScript backend. */
  readonly large: boolean;
}

// The products of the book's training step (batch 100, 784-50-10), its evaluation, and a square reference.
const SHAPES: GemmShape[] = [
  { label: '100x784 * 784x50 (X W)', transA: false, transB: false, m: 100, n: 50, k: 784, large: false },
  { label: '(784x100)^T * 100x50 (X^T dY)', transA: true, transB: false, m: 784, n: 50, k: 100, large: false },
  { label: '100x50 * (784x50)^T (dY W^T)', transA: false, transB: true, m: 100, n: 784, k: 50, large: false },
  { label: '10000x784 * 784x50 (evaluation)', transA: false, transB: false, m: 10000, n: 50, k: 784, large: true },
  { label: '1024^3', transA: false, transB: false, m: 1024, n: 1024, k: 1024, large: true },
];

function gemmGflops(backend: Backend, shape: GemmShape, dtype: DType): number {
  const make = (n: number): Float32Array | Float64Array => (dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
  const a = make(shape.m * shape.k);
  const b = make(shape.k * shape.n);
  const c = make(shape.m * shape.n);
  for (let i = 0; i < a.length; i++) a[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  for (let i = 0; i < b.length; i++) b[i] = ((i * 104729) % 1000) / 1000 - 0.5;
  const t = time(() => backend.gemm(shape.transA, shape.transB, shape.m, shape.n, shape.k, 1, a, b, 0, c), { minSeconds: backend.name === 'ts' ? 0.5 : 0.4 });
  return (2 * shape.m * shape.n * shape.k) / t.bestSeconds / 1e9;
}

/**
 * CPU seconds the calling thread has used (Linux: /proc/self/task/<pid>/stat, 10 ms ticks), else undefined.
 * On a machine other jobs share, a run's wall time grows with their load; the training thread's CPU time is
 * what that run costs on an idle machine, whose other core takes the background kernels.
 */
function mainThreadCpuSeconds(): number | undefined {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The first layer's products for a random 100-image batch, dense (gathered) and sparse, in microseconds. */
function firstLayerProducts(backend: Backend, mnist: Dataset): Record<string, number> {
  const pixels = mnist.train.rows * mnist.train.cols;
  const images = sparseImagesOf(mnist.train.images, mnist.train.count, pixels);
  const rows = 100;
  const n = 50;
  const indices = new Int32Array(rows);
  const x = new Float32Array(rows * pixels);
  const w = Float32Array.from({ length: pixels * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const dy = Float32Array.from({ length: rows * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const out = new Float32Array(rows * n);
  const dw = new Float32Array(pixels * n);
  let seed = 1;
  // A fresh batch before each timed call, as in training: its pixels come from memory, not the cache.
  const draw = (): void => {
    for (let i = 0; i < rows; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      indices[i] = seed % mnist.train.count;
    }
  };
  const micros = (fn: () => void): number => time(() => (draw(), fn()), { minSeconds: 0.3 }).medianSeconds * 1e6;
  const drawOnly = micros(() => undefined);
  return {
    gatherMicros: micros(() => backend.gatherRows(mnist.train.images, pixels, indices, 1 / 255, x)) - drawOnly,
    denseForwardMicros: micros(() => backend.gemm(false, false, rows, n, pixels, 1, x, w, 0, out)) - drawOnly,
    denseTransposedMicros: micros(() => backend.gemm(true, false, pixels, n, rows, 1, x, dy, 0, dw)) - drawOnly,
    sparseForwardMicros: micros(() => backend.sparseMatmul(images.rowStart, images.columns, images.values, pixels, indices, 1 / 255, w, n, out)) - drawOnly,
    sparseTransposedMicros: micros(() => backend.sparseMatmulTransposed(images.rowStart, images.columns, images.values, pixels, indices, 1 / 255, dy, n, dw)) - drawOnly,
  };
}

/** SimpleConvNet epochs on the native backend (1 and 2 threads) and in PyTorch, and their ratio. */
async function convNetTable(native: Backend, allThreads: number, results: Record<string, unknown>): Promise<void> {
  const mnist = await loadIdxDataset(bundledMnistDirectory());
  const threads = [...new Set([1, Math.min(2, allThreads)])];
  const ours: ConvNetRun[] = [];
  for (const n of threads) {
    setNativeThreads(n);
    ours.push(timeSimpleConvNet(native, mnist, n));
  }
  setNativeThreads(allThreads);
  const torch = torchReference(bundledMnistDirectory(), threads);
  const rows: Array<Array<string | number>> = [];
  const ratios: Array<Record<string, number>> = [];
  for (const run of ours) {
    const reference = 'runs' in torch ? torch.runs.find((r) => r.threads === run.threads) : undefined;
    const ratio = reference ? run.seconds / reference.seconds : undefined;
    if (reference && ratio !== undefined) ratios.push({ threads: run.threads, epoch: ratio, evaluation: run.evaluationSeconds / reference.evaluationSeconds });
    rows.push([
      `native, ${run.threads} thread${run.threads > 1 ? 's' : ''}`,
      run.seconds.toFixed(2),
      run.evaluationSeconds.toFixed(2),
      reference ? reference.seconds.toFixed(2) : '-',
      reference ? reference.evaluationSeconds.toFixed(2) : '-',
      ratio !== undefined ? ratio.toFixed(2) : '-',
    ]);
  }
  results.simpleConvNet = { steps: ours[0]?.steps, batch: ours[0]?.batch, dtype: 'float32', native: ours, torch, ratios };
  console.log(
    `\nSimpleConvNet (conv 30x5x5, ReLU, pool 2x2, affine 100, ReLU, affine 10; Adam 0.001, float32): seconds per epoch of ${ours[0]?.steps} steps of batch ${ours[0]?.batch}, ` +
      'and of one evaluation pass (10 000 test + 60 000 training images)',
  );
  console.log(table(['run', 'epoch s', 'evaluation s', 'PyTorch epoch s', 'PyTorch evaluation s', 'epoch native/PyTorch'], rows));
  console.log('runs' in torch ? `PyTorch ${torch.torch} (${torch.python}), BLAS: ${torch.blas}` : `PyTorch skipped: ${torch.skipped}`);
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
  };
  let native: Backend | undefined;
  try {
    native = loadNativeBackend();
    results.native = nativeInfo();
  } catch (error) {
    console.warn(`native backend unavailable: ${(error as Error).message}`);
  }
  let wasm: Backend | undefined;
  try {
    wasm = loadWasmBackend();
    results.wasm = { path: wasmModulePath(), bytes: statSync(wasmModulePath()).size };
  } catch (error) {
    console.warn(`WebAssembly backend unavailable: ${(error as Error).message}`);
  }
  const ts = createTsBackend();
  const allThreads = native ? nativeInfo().hardwareThreads : 1;

  // GEMM
  if (!onlyConvNet) {
    const gemmRows: Array<Array<string | number>> = [];
    const gemm: Array<Record<string, unknown>> = [];
    for (const shape of SHAPES) {
      for (const dtype of ['float32', 'float64'] as const) {
        const row: Record<string, unknown> = { shape: shape.label, dtype };
        if (native) {
          setNativeThreads(1);
          row.native1 = gemmGflops(native, shape, dtype);
          setNativeThreads(allThreads);
          row.nativeAll = gemmGflops(native, shape, dtype);
        }
        if (wasm) row.wasm = gemmGflops(wasm, shape, dtype);
        if (!shape.large) row.ts = gemmGflops(ts, shape, dtype);
        gemm.push(row);
        const fmt = (v: unknown): string => (typeof v === 'number' ? v.toFixed(1) : '-');
        gemmRows.push([shape.label, dtype, fmt(row.native1), fmt(row.nativeAll), fmt(row.wasm), fmt(row.ts)]);
      }
    }
    results.gemm = gemm;
    console.log(`\nGEMM, GFLOP/s (best of repeated runs; native all threads = ${allThreads})`);
    console.log(table(['shape', 'dtype', 'native 1 thread', `native ${allThreads} threads`, 'wasm (1 thread)', 'ts'], gemmRows));
  }

  if (!skipTraining) {
    // The book's default run: 784-50-10, std 0.01, SGD lr 0.1, batch 100, 10000 iterations, 17 evaluations.
    const loadStart = performance.now();
    const mnist = await loadIdxDataset(bundledMnistDirectory());
    const loadSeconds = (performance.now() - loadStart) / 1000;
    // MNIST batches go to the first layer as their nonzero pixels (see sparse-images.ts), encoded once.
    const encodeStart = performance.now();
    sparseImagesOf(mnist.train.images, mnist.train.count, mnist.train.rows * mnist.train.cols);
    sparseImagesOf(mnist.test.images, mnist.test.count, mnist.test.rows * mnist.test.cols);
    const encodeSeconds = (performance.now() - encodeStart) / 1000;
    if (native) results.firstLayer = firstLayerProducts(native, mnist);
    if (wasm) results.firstLayerWasm = firstLayerProducts(wasm, mnist);
    const training: Array<Record<string, unknown>> = [];
    const trainRows: Array<Array<string | number>> = [];
    const runs: Array<{ backend: Backend; dtype: DType; iterations: number; input: InputFormat }> = [];
    if (native) {
      runs.push(
        { backend: native, dtype: 'float32', iterations: 10000, input: 'auto' },
        { backend: native, dtype: 'float32', iterations: 10000, input: 'dense' },
        { backend: native, dtype: 'float64', iterations: 10000, input: 'auto' },
      );
    }
    // The WebAssembly build of the same kernels: the backend 'auto' takes where the addon is not built.
    if (wasm) runs.push({ backend: wasm, dtype: 'float32', iterations: 10000, input: 'auto' }, { backend: wasm, dtype: 'float64', iterations: 10000, input: 'auto' });
    // The TypeScript backend needs minutes for the whole run: by default it is timed on its first 600 updates.
    const tsIterations = args.has('--ts-training') ? 10000 : 600;
    runs.push({ backend: ts, dtype: 'float32', iterations: tsIterations, input: 'auto' });
    for (const run of runs) {
      const config = parseTrainConfig({ dtype: run.dtype, training: { iterations: run.iterations } });
      const trainer = new Trainer(config, mnist, run.backend, { input: run.input });
      const cpuBefore = mainThreadCpuSeconds();
      const result = trainer.run({}, { finalEvaluation: false });
      const cpu = mainThreadCpuSeconds();
      const mainThreadCpu = cpu !== undefined && cpuBefore !== undefined ? cpu - cpuBefore : undefined;
      const entry = {
        backend: run.backend.name,
        dtype: run.dtype,
        input: trainer.inputFormat,
        iterations: result.iterations,
        evaluations: result.evaluations,
        seconds: result.seconds,
        evaluationSeconds: result.evaluationSeconds,
        iterationsPerSecond: result.iterationsPerSecond,
        mainThreadCpuSeconds: mainThreadCpu,
        trainAccuracy: result.trainAccuracy,
        testAccuracy: result.testAccuracy,
        complete: run.iterations === 10000,
      };
      training.push(entry);
      trainRows.push([
        `${run.backend.name} ${run.dtype} ${entry.input}${entry.complete ? '' : ` (first ${run.iterations} iterations)`}`,
        result.seconds.toFixed(2),
        result.evaluationSeconds.toFixed(2),
        mainThreadCpu === undefined ? '-' : mainThreadCpu.toFixed(2),
        result.iterationsPerSecond.toFixed(0),
        entry.complete ? result.testAccuracy.toFixed(4) : '-',
      ]);
    }
    results.training = { dataLoadSeconds: loadSeconds, encodeSeconds, runs: training };
    const firstLayerRows: string[][] = [];
    for (const [name, value] of [['native', results.firstLayer], ['wasm', results.firstLayerWasm]] as const) {
      if (!value) continue;
      const f = value as Record<string, number>;
      firstLayerRows.push(
        [`${name}, dense: gather /255 + GEMM`, (f.gatherMicros + f.denseForwardMicros).toFixed(1), f.denseTransposedMicros.toFixed(1)],
        [`${name}, sparse: nonzero pixels only`, f.sparseForwardMicros.toFixed(1), f.sparseTransposedMicros.toFixed(1)],
      );
    }
    if (firstLayerRows.length > 0) {
      console.log('\nFirst layer of one training step, 100 MNIST images x W (784x50 float32), microseconds (median of repeats)');
      console.log(table(['input', 'x W', 'x^T dY (dW)'], firstLayerRows));
    }
    console.log(
      `\nDefault training run (10000 iterations with evaluations at i % 600 == 0; data loading ${loadSeconds.toFixed(2)} s and sparse encoding ${encodeSeconds.toFixed(2)} s apart)`,
    );
    console.log(table(['run', 'seconds', 'of which evaluation', 'training thread CPU s', 'iterations/s', 'test accuracy'], trainRows));

    const rate = await measureMessageRate();
    results.messageRate = rate;
    console.log(
      `\nTrainer process messages while a fast run streams (${rate.iterations} iterations in ${rate.seconds.toFixed(2)} s, ${rate.iterationsPerSecond.toFixed(0)} it/s): ` +
        `${rate.progressEventsPerSecond.toFixed(1)} progress events/s, host CPU ${(rate.hostCpuFraction * 100).toFixed(1)}% of one core`,
    );
  }

  if (!quick && native) await convNetTable(native, allThreads, results);

  const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${join(out, 'latest.json')}`);
  if (args.has('--json')) console.log(JSON.stringify(results));
}

void main();
