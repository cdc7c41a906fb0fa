/** A tiny benchmark harness: warm up, repeat until a time budget is spent, keep the best and the median. */
export interface Timing {
  readonly bestSeconds: number;
  readonly medianSeconds: number;
  readonly repetitions: number;
}

export function time(run: () => void, options: { warmup?: number; minSeconds?: number; maxRepetitions?: number } = {}): Timing {
  const warmup = options.warmup ?? 3;
  const minSeconds = options.minSeconds ?? 0.3;
  const maxRepetitions = options.maxRepetitions ?? 10_000;
  for (let i = 0; i < warmup; i++) run();
  const samples: number[] = [];
  const started = performance.now();
  while (samples.length < 3 || ((performance.now() - started) / 1000 < minSeconds && samples.length < maxRepetitions)) {
    const t0 = performance.now();
    run();
    samples.push((performance.now() - t0) / 1000);
  }
  samples.sort((a, b) => a - b);
  return { bestSeconds: samples[0], medianSeconds: samples[Math.floor(samples.length / 2)], repetitions: samples.length };
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  return cells.map((r) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ')).join('\n');
}
