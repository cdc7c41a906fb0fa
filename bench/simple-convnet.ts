// `npm run bench`'s SimpleConvNet rows: seconds per epoch (600 steps of batch 100, float32, Adam lr 0.001)
// of the book's ch7 network on the native backend with 1 and 2 threads, next to the same network in PyTorch
// on the CPU (bench/reference/simple_convnet_torch.py) when a python3 with torch is found, and one evaluation
// pass (predictions on the 10 000 test and 60 000 training images) on each.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../src-engine/backend';
import type { Dataset, DatasetSplit } from '../src-engine/dataset';
import { LayerListNet } from '../src-engine/networks/layer-list-net';
import { simpleConvNet } from '../src-engine/networks/layer-list-spec';
import { createOptimizer } from '../src-engine/optimizers';
import { Rng } from '../src-engine/rng';
import { Tensor } from '../src-engine/tensor';

const STEPS = 600;
const BATCH = 100;
const WARMUP = 20;

export interface ConvNetRun {
  readonly threads: number;
  readonly steps: number;
  readonly batch: number;
  /** Seconds of the timed steps (one epoch of MNIST at the defaults). */
  readonly seconds: number;
  /** Seconds of one evaluation pass: predictions on the test and the training images, 1000 at a time. */
  readonly evaluationSeconds: number;
  readonly lastLoss: number;
}

export interface TorchReference {
  readonly python: string;
  readonly torch: string;
  /** The BLAS library the process loaded (Debian's torch uses the system's libblas.so.3: reference BLAS or OpenBLAS). */
  readonly blas: string;
  readonly runs: ConvNetRun[];
}

/** SimpleConvNet trained for `steps` steps on random batches of `data` (after a warm-up), then one evaluation pass. */
export function timeSimpleConvNet(backend: Backend, data: Dataset, threads: number, steps = STEPS): ConvNetRun {
  const rng = new Rng(1);
  const net = new LayerListNet(simpleConvNet(), { backend, dtype: 'float32', rng });
  const optimizer = createOptimizer({ type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999 }, net.ops);
  const pixels = data.train.rows * data.train.cols;
  const x = Tensor.zeros([BATCH, pixels], 'float32');
  const t = new Int32Array(BATCH);
  const indices = new Int32Array(BATCH);
  const step = (): void => {
    for (let i = 0; i < BATCH; i++) {
      indices[i] = rng.integer(data.train.count);
      t[i] = data.train.labels[indices[i]];
    }
    net.ops.gatherRows(data.train.images, indices, 1 / 255, x);
    optimizer.update(net.params, net.gradient(x, t));
  };
  for (let i = 0; i < WARMUP; i++) step();
  const started = performance.now();
  for (let i = 0; i < steps; i++) step();
  const seconds = (performance.now() - started) / 1000;
  const evaluationStarted = performance.now();
  for (const split of [data.test, data.train]) evaluate(net, split);
  return { threads, steps, batch: BATCH, seconds, evaluationSeconds: (performance.now() - evaluationStarted) / 1000, lastLoss: net.lastLoss };
}

/** The accuracy on a split, 1000 images at a time. */
function evaluate(net: LayerListNet, split: DatasetSplit): number {
  const pixels = split.rows * split.cols;
  const chunk = Tensor.zeros([1000, pixels], 'float32');
  let correct = 0;
  for (let start = 0; start < split.count; start += 1000) {
    const count = Math.min(1000, split.count - start);
    const indices = Int32Array.from({ length: count }, (_, i) => start + i);
    const x = count === 1000 ? chunk : Tensor.zeros([count, pixels], 'float32');
    net.ops.gatherRows(split.images, indices, 1 / 255, x);
    correct += net.accuracy(x, Int32Array.from(split.labels.subarray(start, start + count))) * count;
  }
  return correct / split.count;
}

/**
 * The PyTorch reference, or why it was skipped: the first of $BACKPROP_TORCH_PYTHON, python3 and
 * /usr/bin/python3 that imports torch runs the script on the bundled MNIST files.
 */
export function torchReference(mnistDirectory: string, threads: readonly number[], steps = STEPS): TorchReference | { skipped: string } {
  const candidates = [process.env.BACKPROP_TORCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  const python = candidates.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
  if (!python) return { skipped: `no python3 with torch found (tried ${candidates.join(', ')}; on Debian: apt-get install python3-torch)` };
  const script = join(dirname(fileURLToPath(import.meta.url)), 'reference', 'simple_convnet_torch.py');
  const run = spawnSync(python, [script, '--mnist', mnistDirectory, '--threads', threads.join(','), '--steps', String(steps), '--warmup', String(WARMUP), '--batch', String(BATCH)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) return { skipped: `${python} ${script} failed: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' ')}` };
  const result = JSON.parse(run.stdout) as Omit<TorchReference, 'python'>;
  return { python, ...result };
}
