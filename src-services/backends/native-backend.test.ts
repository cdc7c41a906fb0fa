import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Backend, FloatArray, WindowArgs } from '../../src-engine/backend';
import { createTsBackend } from '../../src-engine/backends/ts-backend';
import { convProperties } from './conv-properties';
import { kernelProperties, type KernelThreads } from './kernel-properties';
import { nativeAddonPath, nativeInfo, setNativeThreads } from './native-backend';
import { nativeForTests } from './native-for-tests';
import { sparseProperties } from './sparse-properties';

/**
 * The direct convolution kernels are compiled per instruction set too (conv_isa.inc): this child runs them
 * under BACKPROP_ISA on the cases given as argv[1] (window, filters) with inputs it draws (mostly zero pixels,
 * as in MNIST), and prints the inputs and outputs for the parent to check against the TypeScript backend.
 */
const CONV_ISA_CHILD = String.raw`
const b = require(process.env.BPW_ADDON);
let seed = 0x1234567;
const next = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; };
const runs = [];
for (const { window, filters } of JSON.parse(process.argv[1])) {
  const [n, c, h, w, fh, fw, stride, pad] = window;
  const outH = Math.floor((h + 2 * pad - fh) / stride) + 1, outW = Math.floor((w + 2 * pad - fw) / stride) + 1;
  for (const F of [Float32Array, Float64Array]) {
    const x = F.from({ length: n * c * h * w }, () => (next() < 0.7 ? 0 : next()));
    const wt = F.from({ length: filters * c * fh * fw }, () => next() * 2 - 1);
    const bias = F.from({ length: filters }, () => next() - 0.5);
    const dout = F.from({ length: n * filters * outH * outW }, () => (next() < 0.5 ? 0 : next() * 2 - 1));
    const out = new F(dout.length), dw = new F(wt.length), db = new F(filters), dx = new F(x.length);
    b.convForward(x, wt, bias, out, filters, ...window);
    b.convBackwardFilters(x, dout, dw, db, filters, ...window);
    b.convBackwardInput(dout, wt, dx, filters, ...window);
    // The pooled passes against this ISA's own convForward, reluMaxPoolForward, reluMaxPoolBackward and
    // convBackwardFilters: the same sums (out within rounding: the fused forward keeps them in registers, where
    // the compiler may contract them otherwise), the same argmax, so the filters pass's very sums (dw exact, db within rounding).
    const pooled = n * filters * Math.floor(outH / 2) * Math.floor(outW / 2), poolWindow = [n, filters, outH, outW, 2, 2, 2, 0];
    const pdout = F.from({ length: pooled }, () => next() * 2 - 1);
    const [pout, parg, pdw, pdb] = [new F(pooled), new Int32Array(pooled), new F(wt.length), new F(filters)];
    b.convReluPoolForward(x, wt, bias, pout, parg, filters, ...window);
    b.convReluPoolBackwardFilters(x, pdout, parg, pdw, pdb, filters, ...window);
    const [cout, carg, cdconv, cdw, cdb] = [new F(pooled), new Int32Array(pooled), new F(out.length), new F(wt.length), new F(filters)];
    b.reluMaxPoolForward(out, cout, carg, ...poolWindow);
    b.reluMaxPoolBackward(pdout, carg, cdconv, ...poolWindow);
    b.convBackwardFilters(x, cdconv, cdw, cdb, filters, ...window);
    const differ = (a, c) => a.some((v, i) => v !== c[i]);
    const pooledExact = !differ(parg, carg) && !differ(pdw, cdw) && parg.some((a) => a >= 0) && parg.some((a) => a < 0);
    const pooledDb = Math.max(0, ...Array.from(pdb, (v, i) => Math.abs(v - cdb[i])), ...Array.from(pout, (v, i) => Math.abs(v - cout[i])));
    const plain = (a) => Array.from(a);
    runs.push({ f64: F === Float64Array, x: plain(x), w: plain(wt), bias: plain(bias), dout: plain(dout), out: plain(out), dw: plain(dw), db: plain(db), dx: plain(dx), pooledExact, pooledDb });
  }
}
process.stdout.write(JSON.stringify({ isa: b.info().isa, runs }));
`;

/**
 * The sparse kernels are compiled per instruction set (sparse_isa.inc in the AVX-512, AVX2 and baseline
 * builds), but a process runs only the one its CPU selects. This script runs in a child process with
 * BACKPROP_ISA forcing a lower one and checks it against a plain float64 loop, with the bounds of
 * checkSparseCase; it prints the ISA and the worst error / tolerance ratio (<= 1 passes).
 */
const ISA_CHILD = String.raw`
const b = require(process.env.BPW_ADDON);
let seed = 0x2545f491;
const next = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; };
const int = (n) => Math.floor(next() * n);
let worst = 0, cases = 0;
// Around the 16- and 32-byte vector widths (2/4 doubles, 4/8 floats) and their 7-vector register blocks.
const widths = [1, 2, 3, 4, 5, 7, 8, 9, 13, 14, 15, 16, 17, 28, 29, 56, 57, 113];
for (const threads of [1, b.info().threads]) {
  b.setThreads(threads);
  for (const n of widths) for (const F of [Float32Array, Float64Array]) {
    const count = 1 + int(40);
    // With 2+ threads, n = 13 gets 2000 MNIST-like rows (2 x 3e5 nonzeros x 13 x 8 = 6e7 >= 3e7): the rows split.
    const split = n === 13 && threads > 1;
    const [rowLength, density] = split ? [784, 0.19] : [1 + int(200), [0, 0.05, 0.2, 0.6, 1][int(5)]];
    const rows = split ? 2000 : int(150);
    const rowStart = new Int32Array(count + 1), cols = [], vals = [];
    for (let i = 0; i < count; i++) { for (let c = 0; c < rowLength; c++) if (next() < density) { cols.push(c); vals.push(1 + int(255)); } rowStart[i + 1] = cols.length; }
    const columns = Uint16Array.from(cols), values = Uint8Array.from(vals);
    const indices = Int32Array.from({ length: rows }, () => int(count));
    const scale = Math.fround(next() * 4 - 2);
    const w = F.from({ length: rowLength * n }, () => next() * 2 - 1), dout = F.from({ length: rows * n }, () => next() * 2 - 1);
    const out = new F(rows * n).fill(NaN), outT = new F(rowLength * n).fill(NaN);
    b.sparseMatmul(rowStart, columns, values, rowLength, indices, scale, w, n, out);
    b.sparseMatmulTransposed(rowStart, columns, values, rowLength, indices, scale, dout, n, outT);
    const ref = new Float64Array(rows * n), mag = new Float64Array(rows * n), refT = new Float64Array(rowLength * n), magT = new Float64Array(rowLength * n);
    for (let r = 0; r < rows; r++) for (let j = rowStart[indices[r]]; j < rowStart[indices[r] + 1]; j++) {
      const v = values[j] * scale, c = columns[j];
      for (let q = 0; q < n; q++) {
        ref[r * n + q] += v * w[c * n + q]; mag[r * n + q] += Math.abs(v * w[c * n + q]);
        refT[c * n + q] += v * dout[r * n + q]; magT[c * n + q] += Math.abs(v * dout[r * n + q]);
      }
    }
    const tol = F === Float32Array ? 1e-5 : 1e-12;
    for (const [a, e, m] of [[out, ref, mag], [outT, refT, magT]]) for (let i = 0; i < e.length; i++) {
      const err = Math.abs(a[i] - e[i]);
      const ratio = err === 0 ? 0 : err / (tol * m[i]);
      if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : ratio;
    }
    cases++;
  }
}
// GEMM the same way: every transpose pair, alpha and beta, shapes on both sides of the small-product path
// (op(B) of up to 4 vectors per row, <= 1.2e6 multiply-adds) and of the vector widths.
let gemmCases = 0;
for (const F of [Float32Array, Float64Array]) for (const [m, n, k] of [[1, 1, 1], [7, 3, 5], [100, 10, 50], [100, 50, 10], [50, 10, 100], [33, 17, 9], [64, 65, 31], [300, 9, 120], [130, 70, 90]]) {
  for (const tA of [false, true]) for (const tB of [false, true]) {
    const a = F.from({ length: m * k }, () => next() * 2 - 1), bm = F.from({ length: k * n }, () => next() * 2 - 1);
    const c0 = F.from({ length: m * n }, () => next() * 2 - 1), c = F.from(c0);
    const alpha = next() * 2 - 1, beta = [0, 1, next() * 2 - 1][int(3)];
    b.gemm(tA, tB, m, n, k, alpha, a, bm, beta, c);
    const tol = F === Float32Array ? 1e-5 : 1e-12;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let sum = 0, mag = Math.abs(beta * c0[i * n + j]);
      for (let p = 0; p < k; p++) { const t = alpha * a[tA ? p * m + i : i * k + p] * bm[tB ? j * k + p : p * n + j]; sum += t; mag += Math.abs(t); }
      const err = Math.abs(c[i * n + j] - (sum + beta * c0[i * n + j]));
      const ratio = err === 0 ? 0 : err / (tol * mag);
      if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : ratio;
    }
    gemmCases++;
  }
}
// As a string: JSON has no Infinity (a NaN output or an error where the tolerance is 0).
process.stdout.write(JSON.stringify({ isa: b.info().isa, cases, gemmCases, worst: String(worst) }));
`;

const nativeThreads: KernelThreads = {
  get counts() {
    return [1, nativeInfo().threads];
  },
  set: setNativeThreads,
};

describe.skipIf(!nativeForTests.backend)('native backend', () => {
  const native = nativeForTests.backend as Backend;
  const get = (): Backend => native;
  kernelProperties(get, nativeThreads);
  convProperties(get, nativeThreads);
  sparseProperties(get, nativeThreads);

  it('loads with an ISA chosen at run time and a configurable thread count', () => {
    const info = nativeInfo();
    expect(['avx512', 'avx2', 'sse2', 'generic', 'portable']).toContain(info.isa);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    setNativeThreads(1);
    expect(nativeInfo().threads).toBe(1);
    setNativeThreads(info.threads);
    expect(() => setNativeThreads(0)).toThrow(RangeError);
  });

  it('misuse throws TypeError or RangeError with the shapes, never crashes', () => {
    const f32 = new Float32Array(6);
    const f64 = new Float64Array(6);
    expect(() => native.gemm(false, false, 2, 3, 4, 1, new Float32Array(7), new Float32Array(12), 0, f32)).toThrow(/gemm: A 2x4 needs 8 values, got 7/);
    expect(() => native.gemm(true, false, 2, 3, 4, 1, new Float32Array(8), new Float32Array(11), 0, f32)).toThrow(/B 4x3 needs 12 values, got 11/);
    expect(() => native.gemm(false, true, 2, 3, 4, 1, new Float32Array(8), new Float32Array(12), 0, new Float32Array(5))).toThrow(/C 2x3 needs 6 values, got 5/);
    expect(() => native.gemm(false, false, 2, 3, 4, 1, new Float32Array(8), new Float64Array(12), 0, f32)).toThrow(TypeError);
    expect(() => native.gemm(false, false, -1, 3, 4, 1, f32, f32, 0, f32)).toThrow(/m must be a non-negative integer/);
    expect(() => native.gemm(false, false, 1.5, 3, 4, 1, f32, f32, 0, f32)).toThrow(RangeError);
    expect(() => native.gemm(false, false, 1, 1, 1, 1, [1] as unknown as Float32Array, f32, 0, f32)).toThrow(/A must be a Float32Array or Float64Array/);
    expect(() => native.gemm(false, false, 2, 3, 2, 1, f32.subarray(0, 4), f32.subarray(0, 6), 0, f32)).toThrow(/C must not overlap/);
    expect(() => native.softmaxCrossEntropy(f64, new Int32Array([0, 3]), f64.slice(), 2, 3, 1e-7)).toThrow(/label 3 at row 1 is outside \[0, 3\)/);
    expect(() => native.softmaxCrossEntropy(f64, new Uint8Array(2) as unknown as Int32Array, f64.slice(), 2, 3, 1e-7)).toThrow(/labels must be an Int32Array/);
    expect(() => native.gatherRows(new Uint8Array(16), 8, new Int32Array([2]), 1, new Float32Array(8))).toThrow(/index 2 at position 0 is outside \[0, 2\)/);
    // out sharing memory with the indices (checked before any row is written) or with src is refused.
    const shared = new ArrayBuffer(64);
    const aliased = new Int32Array(shared, 0, 2).fill(1);
    expect(() => native.gatherRows(new Uint8Array(16), 8, aliased, 1, new Float32Array(shared, 0, 16))).toThrow(/gatherRows: out must not overlap src or indices/);
    const pixels = new Uint8Array(shared, 0, 64);
    expect(() => native.gatherRows(pixels, 8, new Int32Array([1]), 1, new Float32Array(shared, 0, 8))).toThrow(RangeError);
    expect(() => native.reluForward(f32, f32, new Uint8Array(3), 6)).toThrow(/mask needs 6 values, got 3/);
    expect(() => native.im2col(f32, new Float32Array(9), 1, 1, 2, 3, 3, 3, 1, 0)).toThrow('im2col: the 3x3 window does not fit a 2x3 image padded by 0');
    expect(() => native.im2col(f32, new Float32Array(5), 1, 1, 2, 3, 2, 2, 1, 0)).toThrow('im2col: col 2x4 needs 8 values, got 5');
    expect(() => native.maxPoolBackward(f32, new Int32Array([0, 9, 0, 0, 0, 0]), new Float32Array(24), 1, 1, 4, 6, 2, 2, 2, 0)).toThrow('maxPoolBackward: argmax[1] = 9 is outside the 2x2 window');
    expect(() => (native.addBias as unknown as (...a: unknown[]) => void)(f32, 2, 3)).toThrow(/expected 5 arguments/);
  });

  it('the sparse and GEMM kernels of the other instruction sets and the portable ones (forced by BACKPROP_ISA in a child process) match a float64 loop', () => {
    const hostIsa = nativeInfo().isa;
    // Which ISA each request resolves to depends on the CPU: never higher than asked, never higher than the host's.
    const order = ['sse2', 'avx2', 'avx512'];
    for (const isa of ['avx2', 'sse2', 'portable']) {
      const child = spawnSync(process.execPath, ['-e', ISA_CHILD], { env: { ...process.env, BACKPROP_ISA: isa, BPW_ADDON: nativeAddonPath() }, encoding: 'utf8', timeout: 60_000 });
      expect(child.status, `BACKPROP_ISA=${isa}: ${child.stderr}`).toBe(0);
      const report = JSON.parse(child.stdout) as { isa: string; cases: number; gemmCases: number; worst: string };
      // The portable kernels (plain C++ loops, what a compiler without vector extensions builds) run anywhere.
      if (isa === 'portable') expect(report.isa).toBe('portable');
      else if (order.includes(hostIsa)) expect(order.indexOf(report.isa)).toBe(Math.min(order.indexOf(isa), order.indexOf(hostIsa)));
      expect(report.cases).toBe(2 * 18 * 2);
      expect(report.gemmCases).toBe(2 * 9 * 4);
      expect(Number(report.worst), `BACKPROP_ISA=${isa} (${report.isa}): worst error / tolerance`).toBeLessThanOrEqual(1);
    }
  });

  it('the direct convolution kernels of the other instruction sets and the portable ones (forced by BACKPROP_ISA in a child process) match the TypeScript backend, and their pooled passes the unfused kernels', () => {
    // Filter counts 20, 40 and 70 take the 2-, 3- and 5-vector (generic) loops of conv_isa.inc on AVX-512 floats.
    const cases: Array<{ window: WindowArgs; filters: number }> = [
      { window: [3, 1, 12, 12, 5, 5, 1, 0], filters: 20 },
      { window: [2, 3, 9, 8, 3, 3, 2, 1], filters: 40 },
      { window: [2, 2, 7, 7, 3, 3, 1, 2], filters: 70 },
    ];
    const reference = createTsBackend();
    for (const isa of ['avx2', 'sse2', 'portable']) {
      const child = spawnSync(process.execPath, ['-e', CONV_ISA_CHILD, JSON.stringify(cases)], { env: { ...process.env, BACKPROP_ISA: isa, BPW_ADDON: nativeAddonPath() }, encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 26 });
      expect(child.status, `BACKPROP_ISA=${isa}: ${child.stderr}`).toBe(0);
      const report = JSON.parse(child.stdout) as {
        isa: string;
        runs: Array<{ f64: boolean; x: number[]; w: number[]; bias: number[]; dout: number[]; out: number[]; dw: number[]; db: number[]; dx: number[]; pooledExact: boolean; pooledDb: number }>;
      };
      if (isa === 'portable') expect(report.isa).toBe('portable');
      expect(report.runs.length).toBe(cases.length * 2);
      report.runs.forEach((run, i) => {
        const { window, filters } = cases[i >> 1];
        const F = run.f64 ? Float64Array : Float32Array;
        const [x, w, bias, dout] = [F.from(run.x), F.from(run.w), F.from(run.bias), F.from(run.dout)];
        const [out, dw, db, dx] = [new F(run.out.length), new F(run.dw.length), new F(run.db.length), new F(run.dx.length)];
        reference.convForward(x, w, bias, out, filters, ...window);
        reference.convBackwardFilters(x, dout, dw, db, filters, ...window);
        reference.convBackwardInput(dout, w, dx, filters, ...window);
        // Values below 1 summed over at most a few hundred terms: float32 sums in another order agree to 1e-4.
        const tolerance = run.f64 ? 1e-12 : 1e-4;
        // The pooled passes: the same numbers as the unfused kernels (with windows of each kind: some passing the gradient, some not).
        expect(run.pooledExact, `${isa} (${report.isa}) pooled passes ${JSON.stringify(window)} ${F.name}`).toBe(true);
        expect(run.pooledDb, `${isa} (${report.isa}) pooled out and db ${JSON.stringify(window)} ${F.name}`).toBeLessThan(tolerance * 10);
        for (const [name, got, want] of [['out', run.out, out], ['dw', run.dw, dw], ['db', run.db, db], ['dx', run.dx, dx]] as const) {
          got.forEach((v, j) => expect(Math.abs(v - want[j]), `${isa} (${report.isa}) ${name} ${JSON.stringify(window)} ${F.name} [${j}]`).toBeLessThan(tolerance * Math.max(1, Math.abs(want[j]))));
        }
      });
    }
  });

  it('sparse products: bad indices, encodings, shapes, dtypes, overlap and argument kinds throw before writing, never crash', () => {
    const rowStart = new Int32Array([0, 2, 2, 3]); // image 1 has no pixels
    const columns = new Uint16Array([0, 3, 1]);
    const values = new Uint8Array([10, 20, 30]);
    type Args = [Int32Array, Uint16Array, Uint8Array, number, Int32Array, number, FloatArray, number, FloatArray];
    const cast = <T,>(v: unknown): T => v as T;
    for (const name of ['sparseMatmul', 'sparseMatmulTransposed'] as const) {
      const input = name === 'sparseMatmul' ? 'W' : 'dout';
      // rowLength 4, n 2, two batch rows: W and dW are 4 x 2 (8 values), out and dout 2 x 2 (4 values).
      const inLength = name === 'sparseMatmul' ? 8 : 4;
      const outLength = name === 'sparseMatmul' ? 4 : 8;
      const args = (change: Partial<Record<number, unknown>>): Args => {
        const a: unknown[] = [rowStart, columns, values, 4, new Int32Array([0, 2]), 1, new Float32Array(inLength), 2, new Float32Array(outLength).fill(-3)];
        for (const [k, v] of Object.entries(change)) a[Number(k)] = v;
        return a as Args;
      };
      const shared = new Float32Array(12);
      // out sharing memory with the encoding or the indices, which were checked before the kernel would write.
      const aliasIndices = new ArrayBuffer(outLength * 4);
      new Int32Array(aliasIndices, 0, 2).set([0, 2]);
      const aliasColumns = new ArrayBuffer(outLength * 4);
      new Uint16Array(aliasColumns, 0, 3).set(columns);
      const cases: Array<[string, Args, ErrorConstructor, RegExp]> = [
        ['out aliasing indices', args({ 4: new Int32Array(aliasIndices, 0, 2), 8: new Float32Array(aliasIndices) }), RangeError, /out must not overlap rowStart, columns, values or indices/],
        ['out aliasing columns', args({ 1: new Uint16Array(aliasColumns, 0, 3), 8: new Float32Array(aliasColumns) }), RangeError, /out must not overlap rowStart/],
        ['index too large', args({ 4: new Int32Array([0, 3]) }), RangeError, /index 3 at position 1 is outside \[0, 3\)/],
        ['negative index', args({ 4: new Int32Array([-1, 0]) }), RangeError, /index -1 at position 0 is outside \[0, 3\)/],
        ['column >= rowLength', args({ 1: new Uint16Array([0, 4, 1]) }), RangeError, /image 0 has pixel column 4 outside rowLength 4/],
        ['column far out', args({ 1: new Uint16Array([0, 65535, 1]) }), RangeError, /pixel column 65535 outside rowLength 4/],
        ['rowStart past the pixels', args({ 0: new Int32Array([0, 2, 2, 4]) }), RangeError, /image 2 spans pixels \[2, 4\) outside the 3 stored/],
        ['rowStart decreasing', args({ 0: new Int32Array([0, 3, 2, 3]), 4: new Int32Array([1]) }), RangeError, /image 1 spans pixels \[3, 2\)/],
        ['negative rowStart', args({ 0: new Int32Array([-2, 2, 2, 3]) }), RangeError, /image 0 spans pixels \[-2, 2\)/],
        ['huge rowStart', args({ 0: new Int32Array([0, 2, 2, 0x7fffffff]) }), RangeError, /image 2 spans pixels \[2, 2147483647\)/],
        ['empty rowStart', args({ 0: new Int32Array(0), 4: new Int32Array(0) }), RangeError, /rowStart needs at least 1 value/],
        ['values shorter than columns', args({ 2: new Uint8Array(2) }), RangeError, /values has 2 entries but columns has 3/],
        ['dtype mismatch', args({ 6: new Float64Array(inLength) }), TypeError, /all arrays must share one dtype/],
        ['short input', args({ 6: new Float32Array(inLength - 1) }), RangeError, new RegExp(`${input} ${name === 'sparseMatmul' ? '4x2' : '2x2'} needs ${inLength} values, got ${inLength - 1}`)],
        ['short out', args({ 8: new Float32Array(outLength - 1).fill(-3) }), RangeError, new RegExp(`out ${name === 'sparseMatmul' ? '2x2' : '4x2'} needs ${outLength} values, got ${outLength - 1}`)],
        ['out overlapping the input', args({ 6: shared.subarray(0, inLength), 8: shared.subarray(inLength - 1, inLength - 1 + outLength) }), RangeError, /out must not overlap/],
        ['rowStart not Int32Array', args({ 0: Uint32Array.from(rowStart) }), TypeError, /rowStart must be an Int32Array/],
        ['columns not Uint16Array', args({ 1: Int16Array.from(columns) }), TypeError, /columns must be a Uint16Array/],
        ['values not Uint8Array', args({ 2: Uint8ClampedArray.from(values) }), TypeError, /values must be a Uint8Array/],
        ['indices a plain array', args({ 4: [0, 2] }), TypeError, /indices must be an Int32Array/],
        ['indices not Int32Array', args({ 4: new Float64Array([0, 2]) }), TypeError, /indices must be an Int32Array/],
        ['input a plain array', args({ 6: Array.from({ length: inLength }, () => 0) }), TypeError, new RegExp(`${input} must be a Float32Array or Float64Array`)],
        ['out an Int32Array', args({ 8: new Int32Array(outLength) }), TypeError, /out must be a Float32Array or Float64Array/],
        ['scale not a number', args({ 5: '1' }), TypeError, /scale must be a number/],
        ['n negative', args({ 7: -2 }), RangeError, /n must be a non-negative integer/],
        ['rowLength fractional', args({ 3: 3.5 }), RangeError, /rowLength must be a non-negative integer/],
        ['rowLength NaN', args({ 3: NaN }), RangeError, /rowLength must be a non-negative integer/],
      ];
      for (const [what, a, type, message] of cases) {
        const out = a[8];
        const before = out instanceof Float32Array ? Array.from(out) : [];
        const call = () => native[name](...a);
        expect(call, `${name}: ${what}`).toThrow(type);
        expect(call, `${name}: ${what}`).toThrow(new RegExp(`${name}: .*${message.source}`));
        if (out instanceof Float32Array) expect(Array.from(out), `${name}: ${what} wrote out`).toEqual(before);
      }
      expect(() => cast<(...a: unknown[]) => void>(native[name])(rowStart, columns, values, 4, new Int32Array(0), 1, new Float32Array(8))).toThrow(new RegExp(`${name}: expected 9 arguments, got 7`));
    }
  });

  it('prefetchSparseRows is only a hint: valid calls return, bad indices and argument kinds throw', () => {
    const rowStart = new Int32Array([0, 2, 2, 3]);
    const columns = new Uint16Array([0, 3, 1]);
    const values = new Uint8Array([10, 20, 30]);
    expect(native.prefetchSparseRows(rowStart, columns, values, new Int32Array([2, 1, 0]))).toBeUndefined();
    expect(native.prefetchSparseRows(rowStart, columns, values, new Int32Array(0))).toBeUndefined();
    // A damaged row range is clamped to the stored pixels: prefetching never reads outside them.
    expect(native.prefetchSparseRows(new Int32Array([0, 99, -5, 3]), columns, values, new Int32Array([0, 1]))).toBeUndefined();
    expect(() => native.prefetchSparseRows(rowStart, columns, values, new Int32Array([3]))).toThrow(/prefetchSparseRows: index 3 at position 0 is outside \[0, 3\)/);
    expect(() => native.prefetchSparseRows(rowStart, columns, values, new Int32Array([-1]))).toThrow(RangeError);
    const cast = (f: unknown) => f as (...a: unknown[]) => void;
    expect(() => cast(native.prefetchSparseRows)(rowStart, columns, values, [0])).toThrow(TypeError);
    expect(() => cast(native.prefetchSparseRows)(rowStart, columns, values)).toThrow(/expected 4 arguments/);
  });

});
