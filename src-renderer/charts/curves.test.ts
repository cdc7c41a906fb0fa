import { describe, expect, it } from 'vitest';
import type { RunCurve } from '../../src-shared/api';
import { StoredCurve, type CurveWindow } from './curves';

/** A host that answers when the test says so. */
function fakeHost() {
  const asked: CurveWindow[] = [];
  const pending: Array<(curve: RunCurve) => void> = [];
  const ask = (window: CurveWindow) => {
    asked.push(window);
    return new Promise<RunCurve>((resolve) => pending.push(resolve));
  };
  const answer = async (first: number) => {
    pending.shift()!({ iterations: 1000, losses: { first, width: 1, min: [1], max: [2], smoothed: [1.5] }, evaluations: [], times: [[10, 100], [20, 102]] });
    await Promise.resolve();
    await Promise.resolve();
  };
  return { asked, ask, answer };
}

/** A promise and its resolve (Node 20 has no Promise.withResolvers). */
function settlement(): { promise: Promise<string>; resolve: (value: string) => void } {
  let resolve: (value: string) => void = () => undefined;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
}

const whole: CurveWindow = { from: 0, to: Infinity, points: 800, smoothing: 0.9 };

describe('StoredCurve', () => {
  it('asks once per window, answers from what it has meanwhile, and asks only for the latest window wanted during a request', async () => {
    const host = fakeHost();
    let answers = 0;
    const curve = new StoredCurve(host.ask, () => answers++, () => undefined);
    expect(curve.view(whole)).toBeUndefined();
    expect(curve.view({ ...whole, points: 900 })).toBeUndefined();
    expect(host.asked).toHaveLength(1);
    await host.answer(0);
    expect(answers).toBe(1);
    expect(curve.view({ ...whole, points: 1000 })?.buckets.first).toBe(0);
    expect(curve.view(whole)?.times).toEqual([[10, 0], [20, 2]]);

    for (const from of [100, 200, 300]) expect(curve.view({ ...whole, from, to: from + 50 })?.buckets.first).toBe(0);
    expect(host.asked.map((w) => w.from)).toEqual([0, 100]);
    await host.answer(100);
    expect(host.asked.map((w) => w.from)).toEqual([0, 100, 300]);
    await host.answer(300);
    expect(curve.view({ ...whole, from: 300, to: 350 })?.buckets.first).toBe(300);
    expect(curve.view(whole)?.buckets.first).toBe(0);
  });

  it('keeps the error in words and asks again later', async () => {
    let fail = true;
    let settled = settlement();
    const curve = new StoredCurve(
      () => (fail ? Promise.reject(new Error('metrics.jsonl: line 3 is not a metrics record')) : Promise.resolve({ iterations: 1, losses: { first: 0, width: 1, min: [1], max: [1], smoothed: [1] }, evaluations: [], times: [] })),
      () => settled.resolve('answer'),
      (message) => settled.resolve(message),
    );
    curve.view(whole);
    expect(await settled.promise).toBe('metrics.jsonl: line 3 is not a metrics record');
    expect(curve.error).toBe('metrics.jsonl: line 3 is not a metrics record');
    fail = false;
    settled = settlement();
    curve.view(whole);
    expect(await settled.promise).toBe('answer');
    expect(curve.error).toBeUndefined();
    expect(curve.view(whole)?.iterations).toBe(1);
  });
});
