import type { GradientCheckReport } from '../../src-shared/api';
import { isLayerListNetwork, type TrainConfig } from '../../src-shared/config';
import { GRADIENT_CHECK_SAMPLES } from '../../src-shared/limits';
import { networkLabel } from '../../src-shared/network-config';
import { layerListParameterCount } from '../../src-engine/networks/layer-list-memory';
import { DEFAULT_NETWORK, type Activation } from '../../src-engine/networks/network-spec';

/**
 * Pure helpers of the Gradient check view: what the check is run for, how its report reads, and the
 * samples field's validation. The numbers themselves come from the engine (src-engine/gradient.ts).
 */

export const MIN_SAMPLES = GRADIENT_CHECK_SAMPLES.min;
export const MAX_SAMPLES = GRADIENT_CHECK_SAMPLES.max;
export const DEFAULT_SAMPLES = GRADIENT_CHECK_SAMPLES.default;

/** The book's h of the central difference (NUMERICAL_GRADIENT_H in the engine). */
export const NUMERICAL_H = 1e-4;

/** The part of a config a gradient check depends on, as the view shows it. */
export interface CheckedConfigSummary {
  /** e.g. "784-50-10" */
  readonly layers: string;
  /** "ReLU" or "Sigmoid" */
  readonly activation: string;
  readonly dtype: TrainConfig['dtype'];
  readonly backend: TrainConfig['backend'];
  /** The 1e-7 inside the log of the cross-entropy; 0 = off. It decides the float64 bound. */
  readonly lossDelta: number;
  /** Weights and biases of all layers: the numerical gradient costs two loss evaluations for each. */
  readonly parameters: number;
  /** e.g. "784-50-10 ReLU, float64, backend auto" */
  readonly text: string;
}

const ACTIVATION_LABELS: Readonly<Record<Activation, string>> = { relu: 'ReLU', sigmoid: 'Sigmoid' };

export function summarizeConfig(config: TrainConfig): CheckedConfigSummary {
  const { network } = config;
  if (isLayerListNetwork(network)) {
    // A layer list's activations are in its list: the label names them where they are not ReLU.
    const layers = networkLabel(network);
    return { layers, activation: '', dtype: config.dtype, backend: config.backend, lossDelta: network.lossDelta ?? DEFAULT_NETWORK.lossDelta, parameters: layerListParameterCount(network), text: `${layers}, ${config.dtype}, backend ${config.backend}` };
  }
  const sizes = [network.inputSize, ...network.hiddenSizes, network.outputSize];
  let parameters = 0;
  for (let i = 1; i < sizes.length; i++) parameters += sizes[i - 1]! * sizes[i]! + sizes[i]!;
  const layers = sizes.join('-');
  const activation = ACTIVATION_LABELS[network.activation];
  return {
    layers,
    activation,
    dtype: config.dtype,
    backend: config.backend,
    lossDelta: network.lossDelta,
    parameters,
    text: `${layers} ${activation}, ${config.dtype}, backend ${config.backend}`,
  };
}

/**
 * The bound the engine will judge against, to explain it before a run (the report carries the real one).
 * Mirrors gradientCheckBound in src-engine/gradient.ts; a unit test keeps the two in step.
 */
export function expectedBound(dtype: TrainConfig['dtype'], lossDelta: number): number {
  if (dtype === 'float32') return 5e-3;
  return lossDelta > 0 ? 1e-6 : 1e-9;
}

/** Why the bound is what it is, in the engine's own terms (see gradientCheckBound). */
export function boundExplanation(dtype: TrainConfig['dtype'], lossDelta: number): string {
  const bound = formatExponential(expectedBound(dtype, lossDelta), 0);
  if (dtype === 'float32') {
    return (
      `float32: bound ${bound}. A loss near 2.3 is rounded to about 2e-7, and the central difference divides that by ` +
      `2h = 2e-4, so about 1e-3 per element is rounding noise, not a bug. This is only a coarse check: it catches ` +
      `gross mistakes; choose float64 in the Network view for a meaningful one.`
    );
  }
  if (lossDelta > 0) {
    return (
      `float64: bound ${bound}. The ${formatExponential(lossDelta, 0)} added inside the log of the loss is invisible ` +
      `to backprop and shows up as differences of about 1e-7; without it only rounding would remain (bound 1e-9). ` +
      `A meaningful check.`
    );
  }
  return `float64 without the loss's log delta: bound ${bound}; only rounding remains. A meaningful, tight check.`;
}

/** The samples field: a message when it is not a whole number in 1..32, else undefined. */
export function samplesProblem(value: unknown): string | undefined {
  if (value === '' || value === null || value === undefined) return `Enter a number of samples (${MIN_SAMPLES}–${MAX_SAMPLES}).`;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(n)) return 'Samples must be a number.';
  if (!Number.isInteger(n)) return 'Samples must be a whole number.';
  if (n < MIN_SAMPLES || n > MAX_SAMPLES) return `Samples must be between ${MIN_SAMPLES} and ${MAX_SAMPLES}.`;
  return undefined;
}

/** 1.23e-7 style; a value JSON could not carry (NaN, Infinity arrive as null) reads "not finite". */
export function formatExponential(value: number | null, digits = 2): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toExponential(digits) : 'not finite';
}

export interface DifferenceRow {
  /** W1, b1, W2, ... */
  readonly parameter: string;
  /** mean |backprop - numerical|; null when it was not finite. */
  readonly difference: number | null;
  readonly pass: boolean;
}

/** Layer order: W1, b1, W2, b2, ...; names without a layer number keep their order after those. */
function compareParameters(a: string, b: string): number {
  const pa = /^([A-Za-z_]+)(\d+)$/.exec(a);
  const pb = /^([A-Za-z_]+)(\d+)$/.exec(b);
  if (!pa || !pb) return pa ? -1 : pb ? 1 : 0;
  const layer = Number(pa[2]) - Number(pb[2]);
  if (layer !== 0) return layer;
  const rank = (name: string): number => (name === 'W' ? 0 : name === 'b' ? 1 : 2);
  return rank(pa[1]!) - rank(pb[1]!) || pa[1]!.localeCompare(pb[1]!);
}

/** One row per parameter; a difference passes at or below the bound, as in the engine. */
export function differenceRows(report: GradientCheckReport): DifferenceRow[] {
  return Object.keys(report.differences)
    .sort(compareParameters)
    .map((parameter) => {
      const raw: unknown = report.differences[parameter];
      const difference = typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
      return { parameter, difference, pass: difference !== null && difference <= report.bound };
    });
}

export interface Verdict {
  readonly pass: boolean;
  readonly failed: readonly string[];
  readonly text: string;
}

export function verdictOf(rows: readonly DifferenceRow[], bound: number): Verdict {
  const failed = rows.filter((r) => !r.pass).map((r) => r.parameter);
  const limit = formatExponential(bound, 0);
  if (rows.length === 0) return { pass: false, failed, text: 'Fail: the check returned no parameters.' };
  if (failed.length === 0) {
    return {
      pass: true,
      failed,
      text: `Pass: all ${rows.length} parameters are within ${limit}. Backprop agrees with the numerical gradient.`,
    };
  }
  const which = failed.length === rows.length ? `all ${rows.length} parameters` : failed.join(', ');
  return {
    pass: false,
    failed,
    text: `Fail: ${which} ${failed.length === 1 ? 'exceeds' : 'exceed'} the bound ${limit}. Backprop disagrees with the numerical gradient.`,
  };
}

/** 0.4 s, 12.3 s, 2 min 05 s */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.floor(seconds - minutes * 60);
  return `${minutes} min ${String(rest).padStart(2, '0')} s`;
}
