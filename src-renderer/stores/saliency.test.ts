import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { InputSaliency } from '../../src-shared/api';
import { fakeHost, flush, type HostCall } from '../test-support/fake-host';
import { useSaliencyStore } from './saliency';

const answer = (classIndex: number): InputSaliency => ({ gradient: [0.5, -0.25], classIndex, probabilities: [0.3, 0.7] });

describe('saliency store', () => {
  let calls: HostCall[];
  beforeEach(() => {
    setActivePinia(createPinia());
    calls = fakeHost();
  });

  it('asks for the predicted class by default and a chosen class once picked', async () => {
    const saliency = useSaliencyStore('draw');
    saliency.update('run-a', [0, 1]);
    expect(calls.map((c) => c.params)).toEqual([{ id: 'run-a', pixels: [0, 1] }]);
    expect(saliency.pending).toBe(true);
    calls[0]!.resolve({ ok: true, value: answer(1) });
    await flush();
    expect([saliency.result?.classIndex, saliency.computedFor, saliency.pending]).toEqual([1, 'run-a', false]);
    saliency.classChoice = 0;
    saliency.update('run-a', [0, 1]);
    expect(calls[1]).toMatchObject({ method: 'inputGradient', params: { id: 'run-a', pixels: [0, 1], classIndex: 0 } });
  });

  it('keeps one request in flight and only the latest input waiting', async () => {
    const saliency = useSaliencyStore('draw');
    saliency.update('run-a', [0.1]);
    saliency.update('run-a', [0.2]);
    saliency.update('run-a', [0.3]);
    expect(calls).toHaveLength(1);
    calls[0]!.resolve({ ok: true, value: answer(2) });
    await flush();
    expect(calls.map((c) => c.params.pixels)).toEqual([[0.1], [0.3]]);
    expect(saliency.pending).toBe(true);
    calls[1]!.resolve({ ok: true, value: answer(3) });
    await flush();
    expect([saliency.result?.classIndex, saliency.pending]).toEqual([3, false]);
  });

  it('drops the answer of a request made before a clear, and shows a failure in plain words', async () => {
    const saliency = useSaliencyStore('draw');
    saliency.update('run-a', [0.1]);
    saliency.update(undefined, undefined);
    calls[0]!.resolve({ ok: true, value: answer(2) });
    await flush();
    expect(saliency.result).toBeUndefined();
    saliency.update('run-b', [0.1]);
    calls[1]!.resolve({ ok: false, error: 'run "b" has no saved weights yet' });
    await flush();
    expect([saliency.result, saliency.error]).toEqual([undefined, 'Could not compute the saliency map: run "b" has no saved weights yet']);
  });

  it('keeps each view\'s map and class apart', async () => {
    const draw = useSaliencyStore('draw');
    const inspect = useSaliencyStore('inspect');
    inspect.classChoice = 4;
    draw.update('run-a', [0.1]);
    inspect.update('run-a', [0.9]);
    expect(calls.map((c) => c.params)).toEqual([{ id: 'run-a', pixels: [0.1] }, { id: 'run-a', pixels: [0.9], classIndex: 4 }]);
    calls[1]!.resolve({ ok: true, value: answer(4) });
    await flush();
    expect([draw.result, inspect.result?.classIndex, inspect.computedInput]).toEqual([undefined, 4, [0.9]]);
  });
});
