import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { InsideInput } from '../../src-shared/api';
import { fakeHost, flush, type HostCall } from '../test-support/fake-host';
import { useInsideInputStore } from './inside-input';

const answer = (predicted: number): InsideInput => ({
  layers: [{ name: 'Relu1', kind: 'Relu', size: 2, values: [0, 1.5], min: 0, max: 1.5, zeros: 1, saturated: null }],
  probabilities: [0.25, 0.75],
  predicted,
  testImage: null,
});

describe('the inside-one-input store', () => {
  let calls: HostCall[];
  beforeEach(() => {
    setActivePinia(createPinia());
    calls = fakeHost();
  });

  it('asks for a drawn image by its pixels and a test image by its index', async () => {
    const inside = useInsideInputStore('draw');
    inside.update('run-a', { pixels: [0, 0.5] });
    expect(calls[0]).toMatchObject({ method: 'inputActivations', params: { id: 'run-a', pixels: [0, 0.5] } });
    expect(inside.pending).toBe(true);
    calls[0]!.resolve({ ok: true, value: answer(1) });
    await flush();
    expect([inside.result?.predicted, inside.computedFor, inside.pending]).toEqual([1, 'run-a', false]);
    inside.update('run-b', { testIndex: 12 });
    expect(calls[1]!.params).toEqual({ id: 'run-b', testIndex: 12 });
  });

  it('keeps one request in flight and only the latest input waiting, and each view its own', async () => {
    const draw = useInsideInputStore('draw');
    const inspect = useInsideInputStore('inspect');
    draw.update('run-a', { pixels: [0.1] });
    draw.update('run-a', { pixels: [0.2] });
    draw.update('run-a', { pixels: [0.3] });
    inspect.update('run-a', { testIndex: 5 });
    expect(calls.map((c) => c.params)).toEqual([
      { id: 'run-a', pixels: [0.1] },
      { id: 'run-a', testIndex: 5 },
    ]);
    calls[0]!.resolve({ ok: true, value: answer(0) });
    await flush();
    expect(calls[2]!.params).toEqual({ id: 'run-a', pixels: [0.3] });
    calls[2]!.resolve({ ok: true, value: answer(1) });
    await flush();
    expect([draw.result?.predicted, draw.pending, inspect.result, inspect.pending]).toEqual([1, false, undefined, true]);
  });

  it('clears with nothing to look at, drops the answer asked before, and says why a request failed', async () => {
    const inside = useInsideInputStore('inspect');
    inside.update('run-a', { testIndex: 1 });
    inside.update('run-a', undefined);
    calls[0]!.resolve({ ok: true, value: answer(0) });
    await flush();
    expect([inside.result, inside.computedFor]).toEqual([undefined, undefined]);
    inside.update('run-a', { testIndex: 10_000 });
    calls[1]!.resolve({ ok: false, error: 'the test set has 10000 images; index 10000 is past its end' });
    await flush();
    expect([inside.result, inside.error]).toEqual([undefined, 'Could not look inside this input: the test set has 10000 images; index 10000 is past its end']);
  });
});
