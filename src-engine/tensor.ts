import type { DType, FloatArray } from './backend';

/** A dense row-major array of float32 or float64 values with a shape. The data buffer may be shared. */
export class Tensor {
  readonly data: FloatArray;
  readonly shape: readonly number[];

  constructor(data: FloatArray, shape: readonly number[]) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new RangeError(`Tensor shape [${shape.join(', ')}] must hold non-negative integers`);
    }
    if (data.length !== size) {
      throw new RangeError(`Tensor shape [${shape.join(', ')}] needs ${size} values, got ${data.length}`);
    }
    this.data = data;
    this.shape = [...shape];
  }

  static zeros(shape: readonly number[], dtype: DType): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    return new Tensor(allocate(dtype, size), shape);
  }

  static from(values: ArrayLike<number>, shape: readonly number[], dtype: DType): Tensor {
    const data = allocate(dtype, values.length);
    data.set(values);
    return new Tensor(data, shape);
  }

  get dtype(): DType {
    return this.data instanceof Float64Array ? 'float64' : 'float32';
  }

  get size(): number {
    return this.data.length;
  }

  /** Same data, another shape (no copy), like numpy's reshape of a contiguous array. */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.data, shape);
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }
}

/** Zeros of the dtype's typed array. */
export function allocate(dtype: DType, size: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/** A shape as numpy prints it, for error messages: (100, 784). */
export function describeShape(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}

/** Whether two shapes are equal dimension by dimension. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
