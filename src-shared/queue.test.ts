import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from './config';
import { trialJobSchema, trialProgressSchema, trialResultSchema } from './queue';

const job = {
  runId: '2026-12-01T00-00-00-000Z-abcdef',
  name: 'lr #1',
  sweep: { id: 'sw-1', name: 'lr', trial: 0, parameters: { 'optimizer.lr': 0.1 } },
  config: parseTrainConfig({}),
  dataset: { name: 'mnist', checksum: 'a'.repeat(64) },
};
const issue = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }): string =>
  result.success ? 'accepted' : `${result.error!.issues[0]!.path.join('.')}: ${result.error!.issues[0]!.message}`;

describe('queue messages', () => {
  it('a trial job is exactly a run id, a name, a sweep tag, a valid config and a dataset checksum', () => {
    expect(trialJobSchema.parse(job)).toEqual(job);
    expect(issue(trialJobSchema.safeParse({ ...job, runId: '../up' }))).toBe('runId: must be letters, digits, ".", "_" or "-"');
    expect(issue(trialJobSchema.safeParse({ ...job, sweep: { ...job.sweep, trial: 10_000 } }))).toBe('sweep.trial: Too big: expected number to be <=9999');
    expect(issue(trialJobSchema.safeParse({ ...job, dataset: { name: 'mnist', checksum: 'ABC' } }))).toBe('dataset.checksum: must be a SHA-256 in hex');
    expect(issue(trialJobSchema.safeParse({ ...job, config: { ...job.config, seed: -1 } }))).toMatch(/^config\.seed: /);
    expect(issue(trialJobSchema.safeParse({ ...job, name: 'x'.repeat(201) }))).toMatch(/^name: Too big/);
    expect(issue(trialJobSchema.safeParse({ ...job, command: 'rm -rf /' }))).toMatch(/Unrecognized key: "command"/);
  });

  it('progress and results are bounded and exact', () => {
    const worker = { id: 'lab-1.42.ab12', host: 'lab-1' };
    expect(trialProgressSchema.safeParse({ type: 'started', worker, resumedFrom: 3 }).success).toBe(true);
    expect(issue(trialProgressSchema.safeParse({ type: 'started', worker: { id: 'a b', host: 'h' }, resumedFrom: null }))).toBe('worker.id: must be letters, digits, ".", "_" or "-"');
    expect(issue(trialProgressSchema.safeParse({ type: 'shell', worker }))).toMatch(/^type: /);
    const result = { status: 'completed', finishedAt: '2026-12-01T00:00:00.000Z', worker, summary: { iterations: 3, trainAccuracy: 0.5, testAccuracy: null, bestTestAccuracy: null, seconds: 1 } };
    expect(trialResultSchema.parse(result)).toEqual(result);
    expect(issue(trialResultSchema.safeParse({ ...result, status: 'queued' }))).toMatch(/^status: /);
    expect(issue(trialResultSchema.safeParse({ ...result, reason: 'x'.repeat(2001) }))).toMatch(/^reason: Too big/);
  });
});
