import { createTsBackend } from '../backends/ts-backend';
import { TensorOps } from '../ops';
import { Rng } from '../rng';
import { Tensor } from '../tensor';
import { histogram, type Histogram } from './histogram';

/** The activations of the book's ch6 weight_init_activation_histogram.py. */
export type HistogramActivation = 'sigmoid' | 'tanh' | 'relu';
/** The book's weight scales: std 1, std 0.01, Xavier sqrt(1/n), He sqrt(2/n). */
export type HistogramInit = 'std1' | 'std0.01' | 'xavier' | 'he';

export const HISTOGRAM_ACTIVATIONS: readonly HistogramActivation[] = ['sigmoid', 'tanh', 'relu'];
export const HISTOGRAM_INITS: readonly HistogramInit[] = ['std1', 'std0.01', 'xavier', 'he'];

export interface ActivationHistogramSpec {
  readonly activation: HistogramActivation;
  readonly init: HistogramInit;
  readonly seed: number;
}

/** The book's sizes: 1000 inputs of 100 values, 5 layers of 100 nodes, 30 bins. */
export const BOOK_HISTOGRAM = { samples: 1000, nodes: 100, layers: 5, bins: 30 } as const;

/**
 * The range the histograms cover: the book's (0, 1) for sigmoid and ReLU (ReLU's values above 1 and its zeros
 * fall outside or in the first bin, as in figure 6-14), and tanh's whole range (-1, 1) so its bell shows whole.
 */
function histogramRange(activation: HistogramActivation): readonly [number, number] {
  return activation === 'tanh' ? [-1, 1] : [0, 1];
}

/** The std of the Gaussian weights for a layer with `fanIn` inputs. */
export function initScale(init: HistogramInit, fanIn: number): number {
  switch (init) {
    case 'std1': return 1;
    case 'std0.01': return 0.01;
    case 'xavier': return Math.sqrt(1 / fanIn);
    case 'he': return Math.sqrt(2 / fanIn);
  }
}

/**
 * Runs the book's experiment (ch6/weight_init_activation_histogram.py, figures 6-10 ... 6-14) on the engine's
 * own ops with a seeded stream: x = randn(1000, 100); for each of 5 layers, w = randn(100, 100) * scale,
 * a = x w (no bias), z = activation(a), x = z. Returns each layer's histogram of all its 1000 x 100 activations.
 */
export function activationHistograms(spec: ActivationHistogramSpec): Histogram[] {
  const { samples, nodes, layers, bins } = BOOK_HISTOGRAM;
  const ops = new TensorOps(createTsBackend());
  const rng = new Rng(spec.seed);
  const gaussian = (shape: readonly number[], scale: number): Tensor => {
    const t = Tensor.zeros(shape, 'float64');
    for (let i = 0; i < t.size; i++) t.data[i] = rng.normal() * scale;
    return t;
  };
  let x = gaussian([samples, nodes], 1);
  const result: Histogram[] = [];
  for (let layer = 0; layer < layers; layer++) {
    const w = gaussian([nodes, nodes], initScale(spec.init, nodes));
    const a = Tensor.zeros([samples, nodes], 'float64');
    ops.matmul(x, w, a);
    const z = Tensor.zeros([samples, nodes], 'float64');
    if (spec.activation === 'sigmoid') ops.sigmoidForward(a, z);
    else if (spec.activation === 'relu') ops.reluForward(a, z, new Uint8Array(a.size));
    // The backend has no tanh kernel (no network of the workbench uses it), so it is computed here.
    else for (let i = 0; i < a.size; i++) z.data[i] = Math.tanh(a.data[i]);
    result.push(histogram(z.data, bins, histogramRange(spec.activation)));
    x = z;
  }
  return result;
}
