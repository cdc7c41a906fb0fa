import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../../../src-engine/backends/ts-backend';
import { loadWasmBackend } from './wasm-backend';

const wasm = loadWasmBackend();
const ts = createTsBackend();

// How arguments travel into the module's memory and back (wasm-frame.ts), seen from the Backend interface.
describe('WebAssembly backend: arguments in linear memory', () => {
  it('reads and writes only the values the sizes cover, in views at any offset of a larger buffer', () => {
    const buffer = new ArrayBuffer(8 * 64);
    const all = new Float64Array(buffer).fill(-9);
    // Three float64 matrices side by side in one buffer, at offsets that are not multiples of 16 bytes.
    const a = new Float64Array(buffer, 8 * 1, 6).fill(0);
    a.set([1, 2, 3, 4, 5, 6]);
    const b = new Float64Array(buffer, 8 * 9, 6);
    b.set([1, 0, 0, 1, 1, 1]);
    const c = new Float64Array(buffer, 8 * 17, 40); // longer than C's 2x2
    wasm.gemm(false, false, 2, 2, 3, 1, a, b, 0, c);
    expect(Array.from(c.subarray(0, 4))).toEqual([1 + 3, 2 + 3, 4 + 6, 5 + 6]);
    expect(all[0]).toBe(-9);
    expect(Array.from(all.subarray(7, 9))).toEqual([-9, -9]);
    expect(Array.from(all.subarray(15, 17))).toEqual([-9, -9]);
    expect(Array.from(c.subarray(4)).every((v) => v === -9)).toBe(true);
  });

  it('an output that may alias its input sees the same memory in place, also for a view overlapping it partly', () => {
    const x = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i) * 3);
    // dx = dout where mask: in place, and dx shifted one value behind dout in the same buffer.
    const mask = Uint8Array.from({ length: 39 }, (_, i) => i % 3);
    const expected = Float32Array.from(x);
    ts.reluBackward(expected.subarray(1), mask, expected.subarray(0, 39), 39);
    const shifted = Float32Array.from(x);
    wasm.reluBackward(shifted.subarray(1), mask, shifted.subarray(0, 39), 39);
    expect(Array.from(shifted)).toEqual(Array.from(expected));
    const same = Float32Array.from(x);
    wasm.sigmoidForward(same, same, 40);
    const reference = new Float32Array(40);
    wasm.sigmoidForward(Float32Array.from(x), reference, 40);
    expect(Array.from(same)).toEqual(Array.from(reference));
  });

  it('grows its memory for a large call and keeps working for small ones after it', () => {
    // 2000 x 784 float32 and a 784 x 50 product: ~6.5 MB of arguments, more than the module starts with.
    const [m, n, k] = [2000, 50, 784];
    const a = Float32Array.from({ length: m * k }, (_, i) => ((i * 7) % 13) / 13);
    const b = Float32Array.from({ length: k * n }, (_, i) => ((i * 5) % 11) / 11 - 0.5);
    const c = new Float32Array(m * n);
    wasm.gemm(false, false, m, n, k, 1, a, b, 0, c);
    for (const [i, j] of [[0, 0], [1999, 49], [777, 13]] as const) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p]! * b[p * n + j]!;
      expect(Math.abs(c[i * n + j]! - sum)).toBeLessThanOrEqual(1e-5 * k);
    }
    const small = new Float32Array(2);
    wasm.axpby(2, Float32Array.of(1, 2), 1, small, 2);
    expect(Array.from(small)).toEqual([2, 4]);
  });

  it('refuses integer arrays of the wrong kind, which a copy would silently convert', () => {
    const f = new Float32Array(4);
    expect(() => wasm.softmaxCrossEntropy(f, Float64Array.of(0, 1) as unknown as Int32Array, f.slice(), 2, 2, 1e-7)).toThrow(/softmaxCrossEntropy: labels must be an Int32Array/);
    expect(() => wasm.reluForward(f, f, new Int8Array(4) as unknown as Uint8Array, 4)).toThrow(/reluForward: mask must be a Uint8Array/);
    expect(() => wasm.gatherRows(new Uint8Array(8), 4, [0] as unknown as Int32Array, 1, f)).toThrow(TypeError);
    expect(() => wasm.gemm(false, false, 2 ** 31, 0, 0, 1, f, f, 0, f)).toThrow(/gemm: m must be a non-negative integer/);
  });
});

describe('WebAssembly backend: encoded image sets kept in module memory', () => {
  /** A set of `count` images large enough to be kept (over 16384 stored pixels), columns < 300. */
  const bigSet = (count: number, seed: number) => {
    const rowStart = new Int32Array(count + 1);
    const cols: number[] = [];
    for (let i = 0; i < count; i++) {
      for (let c = (i + seed) % 3; c < 300; c += 3 + ((i * seed) % 4)) cols.push(c);
      rowStart[i + 1] = cols.length;
    }
    return { rowStart, columns: Uint16Array.from(cols), values: Uint8Array.from(cols, (c, j) => 1 + ((c + j + seed) % 255)) };
  };

  it('give the products of the TypeScript reference, across more sets than are kept and back to the first', () => {
    const sets = [1, 2, 3, 4, 5, 6].map((seed) => bigSet(400, seed));
    expect(sets[0]!.columns.length).toBeGreaterThan(16384);
    const n = 19;
    const w = Float64Array.from({ length: 300 * n }, (_, i) => Math.sin(i));
    const indices = Int32Array.from({ length: 37 }, (_, r) => (r * 53) % 400);
    const dout = Float64Array.from({ length: 37 * n }, (_, i) => Math.cos(i));
    for (const set of [...sets, sets[0]!, sets[5]!]) {
      const args = [set.rowStart, set.columns, set.values, 300, indices, 1 / 255] as const;
      const [out, want] = [new Float64Array(37 * n), new Float64Array(37 * n)];
      wasm.sparseMatmul(...args, w, n, out);
      ts.sparseMatmul(...args, w, n, want);
      const [dW, wantT] = [new Float64Array(300 * n).fill(NaN), new Float64Array(300 * n)];
      wasm.sparseMatmulTransposed(...args, dout, n, dW);
      ts.sparseMatmulTransposed(...args, dout, n, wantT);
      // Float64 sums of the same terms in another order: 1e-12 relative to their size (|terms| <= 1).
      for (const [a, b] of [[out, want], [dW, wantT]] as const) for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-12 * 300);
    }
  });

  it('check every call: indices outside the set, a rowLength at or under the widest column, a malformed set', () => {
    const set = bigSet(400, 7);
    const w = new Float32Array(300 * 4);
    const call = (rowStart: Int32Array, rowLength: number, indices: Int32Array) => () => wasm.sparseMatmul(rowStart, set.columns, set.values, rowLength, indices, 1, w, 4, new Float32Array(indices.length * 4));
    expect(call(set.rowStart, 300, new Int32Array([0, 399]))).not.toThrow();
    expect(call(set.rowStart, 300, new Int32Array([0, 400]))).toThrow(/sparseMatmul: index 400 at position 1 is outside \[0, 400\)/);
    expect(call(set.rowStart, 200, new Int32Array([1]))).toThrow(/sparseMatmul: image 1 has pixel column 2\d\d outside rowLength 200/);
    const broken = Int32Array.from(set.rowStart);
    broken[200] = set.columns.length + 5;
    expect(call(broken, 300, new Int32Array([199]))).toThrow(/sparseMatmul: image 199 spans pixels \[\d+, \d+\) outside the \d+ stored/);
  });
});
