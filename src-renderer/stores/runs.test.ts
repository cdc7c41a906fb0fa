import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { computed, effectScope, nextTick } from 'vue';
import type { ApiEnvelope } from '../../src-shared/api';
import { parseTrainConfig } from '../../src-shared/config';
import type { RunListing, RunRecord, StoredEvaluation } from '../../src-shared/run-record';
import { MAX_GRADIENT_SAMPLES } from '../../src-shared/series/gradient-thinning';
import { ApiClient, setApiClient } from '../api/client';
import { useRunsStore } from './runs';

const config = parseTrainConfig({});
function record(id: string, status: RunRecord['status'] = 'completed', name = `run ${id}`): RunRecord {
  return { formatVersion: 1, id, name, config, status, createdAt: '2026-11-30T00:00:00.000Z', updatedAt: '', dtype: 'float32', versions: { app: '0', node: '20' } };
}

describe('the runs store at thousands of runs', () => {
  let listed: RunListing[];
  beforeEach(() => {
    setActivePinia(createPinia());
    listed = Array.from({ length: 5000 }, (_, i) => ({ kind: 'ok' as const, record: record(`r${i}`) }));
    setApiClient(new ApiClient({ mode: 'web', invoke: async (): Promise<ApiEnvelope> => ({ ok: true, value: listed }), onEvent: () => () => undefined }));
  });

  it('replaces a run on its record event in place, and only what reads that run reacts', async () => {
    const runs = useRunsStore();
    await runs.refresh();
    expect(runs.byId.size).toBe(5000);
    const scope = effectScope();
    let reads = 0;
    let otherReads = 0;
    const watched = scope.run(() => computed(() => (reads++, runs.byId.get('r4000')?.status)))!;
    const other = scope.run(() => computed(() => (otherReads++, runs.byId.get('r10')?.status)))!;
    expect([watched.value, other.value]).toEqual(['completed', 'completed']);
    runs.handle({ type: 'run', record: record('r4000', 'stopped', 'renamed') });
    await nextTick();
    expect([watched.value, other.value]).toEqual(['stopped', 'completed']);
    expect([reads, otherReads]).toEqual([2, 1]);
    // Same place in the list, same list length.
    expect(runs.listings).toHaveLength(5000);
    const at = runs.listings[4000]!;
    expect(at.kind === 'ok' && at.record.name).toBe('renamed');
    scope.stop();
  });

  it('puts a new run first, forgets a deleted one, and reindexes after a refresh', async () => {
    const runs = useRunsStore();
    await runs.refresh();
    runs.handle({ type: 'run', record: record('new', 'queued') });
    expect(runs.listings[0]!.kind === 'ok' && runs.listings[0]!.record.id).toBe('new');
    runs.handle({ type: 'run', record: record('new', 'running') });
    expect(runs.listings).toHaveLength(5001);
    expect(runs.byId.get('new')?.status).toBe('running');
    runs.handle({ type: 'runDeleted', id: 'r0' });
    expect(runs.byId.has('r0')).toBe(false);
    expect(runs.listings).toHaveLength(5000);
    listed = [{ kind: 'ok', record: record('only') }, { kind: 'damaged', id: 'broken', problem: 'run.json is not valid JSON' }];
    await runs.refresh();
    expect([...runs.byId.keys()]).toEqual(['only']);
    runs.handle({ type: 'run', record: record('only', 'stopped') });
    expect(runs.listings).toHaveLength(2);
    expect(runs.records.map((r) => r.status)).toEqual(['stopped']);
  });
});

describe('the gradient flow of a run followed live', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    setApiClient(new ApiClient({ mode: 'web', invoke: async (): Promise<ApiEnvelope> => ({ ok: true, value: [] }), onEvent: () => () => undefined }));
  });

  const point = (iteration: number, final = false): StoredEvaluation => ({
    iteration,
    epoch: iteration / 600,
    trainAccuracy: 0.9,
    testAccuracy: 0.9,
    trainLoss: 0.3,
    testLoss: 0.3,
    final,
    gradients: [{ weightNorm: iteration * 1e-9, biasNorm: 1e-10, updateRatio: null }],
  });

  it('keeps every evaluation as it arrives, its gradient flow on at most MAX_GRADIENT_SAMPLES + 1 of them', () => {
    const runs = useRunsStore();
    const count = 3 * MAX_GRADIENT_SAMPLES;
    for (let i = 1; i <= count; i++) runs.handle({ type: 'evaluation', runId: 'live', point: point(i) });
    const evaluations = runs.metrics.get('live')!.evaluations;
    expect(evaluations).toHaveLength(count);
    const kept = evaluations.filter((e) => e.gradients).map((e) => e.iteration);
    expect(kept.length).toBeLessThanOrEqual(MAX_GRADIENT_SAMPLES + 1);
    // The first and the latest always: the chart starts at the beginning and shows where the run is now.
    expect([kept[0], kept.at(-1)]).toEqual([1, count]);
    expect(evaluations.at(-1)).toEqual(point(count));
  });

  it('replaces an evaluation it already holds where it is, and tells the final one apart', () => {
    const runs = useRunsStore();
    runs.handle({ type: 'evaluation', runId: 'live', point: { ...point(1), gradients: undefined } });
    runs.handle({ type: 'evaluation', runId: 'live', point: point(601) });
    runs.handle({ type: 'evaluation', runId: 'live', point: point(1) });
    runs.handle({ type: 'evaluation', runId: 'live', point: point(601, true) });
    expect(runs.metrics.get('live')!.evaluations).toEqual([point(1), point(601), point(601, true)]);
  });
});
