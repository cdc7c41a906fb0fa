import { describe, expect, it } from 'vitest';
import { Rng } from './rng';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  it('resumes the same stream from a saved state, including a pending Gaussian', () => {
    const rng = new Rng(9);
    rng.normal();
    const saved = rng.state();
    expect(saved.spareNormal).not.toBeNull();
    const expected = [rng.normal(), rng.uniform(), rng.integer(1000), rng.normal()];
    const resumed = Rng.fromState(JSON.parse(JSON.stringify(saved)));
    expect([resumed.normal(), resumed.uniform(), resumed.integer(1000), resumed.normal()]).toEqual(expected);
  });

  it('draws uniforms in [0, 1) and standard normals with mean ~0 and variance ~1', () => {
    const rng = new Rng(1);
    let sum = 0;
    let sq = 0;
    const n = 200000;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      const z = rng.normal();
      sum += z;
      sq += z * z;
    }
    // standard errors: mean 1/sqrt(n) ~ 0.0022, variance sqrt(2/n) ~ 0.0032; 5 sigma bounds
    expect(Math.abs(sum / n)).toBeLessThan(0.012);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.016);
  });

  it('integer(n) covers [0, n) evenly', () => {
    const rng = new Rng(2);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 100000; i++) counts[rng.integer(10)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(500);
    expect(() => rng.integer(0)).toThrow(RangeError);
  });
});
