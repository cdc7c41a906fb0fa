import type { LayerActivation } from '../../src-shared/api';

/** A layer's grid: about twice as wide as tall (50 units: 10 x 5, 1000 units: 45 x 23). */
export function gridShape(units: number): { cols: number; rows: number } {
  if (units <= 0) return { cols: 0, rows: 0 };
  const cols = Math.min(units, Math.ceil(Math.sqrt(2 * units)));
  return { cols, rows: Math.ceil(units / cols) };
}

/**
 * How a layer's values map to colours. Signed (Convolution, Affine, BatchNorm): blue below 0, red above, full colour at
 * ±`extent` = the largest |value| of the layer. Unsigned: ReLU (and a pooling of nothing below 0) from black at 0 to yellow at its largest value,
 * sigmoid from black at 0 to yellow at 1 (its whole range, so saturation shows as it is).
 */
export interface ColourScale {
  readonly signed: boolean;
  readonly extent: number;
}

export function colourScale(layer: Pick<LayerActivation, 'kind' | 'min' | 'max'>): ColourScale {
  const finite = (v: number): number => (Number.isFinite(v) ? Math.abs(v) : 0);
  if (layer.kind === 'Sigmoid') return { signed: false, extent: 1 };
  // A pooling of ReLU outputs is never below 0: it reads like the ReLU it pools.
  if (layer.kind === 'Relu' || (layer.kind === 'Pooling' && layer.min >= 0)) return { signed: false, extent: finite(layer.max) || 1 };
  return { signed: true, extent: Math.max(finite(layer.min), finite(layer.max)) || 1 };
}

/** The unsigned ramp's stops: black, orange, pale yellow. */
const RAMP: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 0],
  [230, 120, 20],
  [255, 245, 170],
];

/** The colour of one value on a scale, as [r, g, b]; values that are not finite are grey. */
export function colourOf(value: number, scale: ColourScale): [number, number, number] {
  if (!Number.isFinite(value)) return [128, 128, 128];
  if (scale.signed) {
    const t = Math.max(-1, Math.min(1, value / scale.extent));
    const a = Math.abs(t);
    // From the dark background (24, 24, 28) towards red or blue, by |t|.
    const base = [24, 24, 28] as const;
    const target = t >= 0 ? ([235, 60, 50] as const) : ([60, 110, 240] as const);
    return [0, 1, 2].map((i) => Math.round(base[i]! + (target[i]! - base[i]!) * a)) as [number, number, number];
  }
  const t = Math.max(0, Math.min(1, value / scale.extent)) * (RAMP.length - 1);
  const k = Math.min(Math.floor(t), RAMP.length - 2);
  const f = t - k;
  const [from, to] = [RAMP[k]!, RAMP[k + 1]!];
  return [0, 1, 2].map((i) => Math.round(from[i]! + (to[i]! - from[i]!) * f)) as [number, number, number];
}

/** RGBA pixels of a cols x rows grid of the values in unit order; cells past the last unit are transparent. */
export function cellPixels(values: readonly number[], scale: ColourScale, cols: number, rows: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(cols * rows * 4);
  for (let i = 0; i < Math.min(values.length, cols * rows); i++) {
    const [r, g, b] = colourOf(values[i]!, scale);
    out.set([r, g, b, 255], i * 4);
  }
  return out;
}

/** A value as a person reads it: 4 significant digits, small and large ones in exponent form. */
export function formatActivation(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const a = Math.abs(value);
  return a < 1e-3 || a >= 1e5 ? value.toExponential(2) : String(Number(value.toPrecision(4)));
}
