import { describe, expect, it } from 'vitest';
import { runLabels } from './run-labels';

describe('run labels for legends', () => {
  const time = (iso: string): string => iso.slice(11, 16);
  it('keeps a unique name, and tells same-named runs apart by start time, then by short id', () => {
    const runs = [
      { id: 'r-aaaaaa', name: 'baseline', createdAt: '2026-11-30T10:00:00.000Z' },
      { id: 'r-bbbbbb', name: 'baseline', createdAt: '2026-11-30T11:00:00.000Z' },
      { id: 'r-cccccc', name: 'adam', createdAt: '2026-11-30T11:00:00.000Z' },
      { id: 'r-dddddd', name: 'baseline', createdAt: '2026-11-30T11:00:30.000Z' },
    ];
    const labels = runLabels(runs, time);
    expect(labels).toEqual(['baseline · 10:00', 'baseline · 11:00 · bbbbbb', 'adam', 'baseline · 11:00 · dddddd']);
    expect(new Set(labels).size).toBe(runs.length);
  });

  it('writes the start time in the user locale by default', () => {
    const [first, second] = runLabels([
      { id: 'x-000001', name: 'same', createdAt: '2026-11-29T08:00:00.000Z' },
      { id: 'x-000002', name: 'same', createdAt: '2026-11-30T09:30:00.000Z' },
    ]);
    expect(first).toMatch(/^same · .+/);
    expect(first).not.toBe(second);
  });
});
