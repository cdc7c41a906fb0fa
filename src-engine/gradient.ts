import type { Tensor } from './tensor';
import { Tensor as TensorClass } from './tensor';

/** The book's h: large enough for float64 rounding, small enough for the truncation error. */
export const NUMERICAL_GRADIENT_H = 1e-4;

/**
 * Central difference (f(x+h) - f(x-h)) / 2h for every element of x, which is perturbed in place and
 * restored. f must read x itself (the network's parameters are shared with its layers), as in the book.
 */
export function numericalGradient(f: () => number, x: Tensor, h = NUMERICAL_GRADIENT_H): Tensor {
  const grad = TensorClass.zeros(x.shape, x.dtype);
  const data = x.data;
  for (let i = 0; i < data.length; i++) {
    const original = data[i];
    data[i] = original + h;
    const plus = f();
    data[i] = original - h;
    const minus = f();
    grad.data[i] = (plus - minus) / (2 * h);
    data[i] = original;
  }
  return grad;
}

/** numericalGradient for each named parameter, with `loss` reading them all: the book's numerical_gradient on a network. */
export function numericalGradients(params: Readonly<Record<string, Tensor>>, loss: () => number): Record<string, Tensor> {
  const grads: Record<string, Tensor> = {};
  for (const [key, param] of Object.entries(params)) grads[key] = numericalGradient(loss, param);
  return grads;
}

/** mean(|a - b|) per key: the book's gradient-check statistic. */
export function meanAbsoluteDifferences(
  a: Readonly<Record<string, Tensor>>,
  b: Readonly<Record<string, Tensor>>,
): Record<string, number> {
  const result: Record<string, number> = {};
  for (const key of Object.keys(a)) {
    const x = a[key];
    const y = b[key];
    if (!y || y.size !== x.size) throw new RangeError(`gradient check: ${key} is missing or has another size`);
    let sum = 0;
    for (let i = 0; i < x.size; i++) sum += Math.abs(x.data[i] - y.data[i]);
    result[key] = x.size === 0 ? 0 : sum / x.size;
  }
  return result;
}

/**
 * The largest mean |backprop - numerical| a correct implementation produces. float64: the book's 1e-7 inside
 * the log is invisible to backprop and shows up as ~1e-7 relative differences (bound 1e-6); without it only
 * rounding remains (1e-9). float32: a loss near 2.3 is rounded to ~2e-7, which the central difference divides
 * by 2h = 2e-4, so ~1e-3 per element is noise, not a bug.
 */
export function gradientCheckBound(dtype: 'float32' | 'float64', lossDelta: number): number {
  if (dtype === 'float32') return 5e-3;
  return lossDelta > 0 ? 1e-6 : 1e-9;
}
