import { readFileSync, statSync, truncateSync } from 'node:fs';
import { metricsLineSchema, storedEvaluation, type MetricsLine } from '../../src-shared/run-record';
import type { EvaluationRecord } from '../../src-engine/training/evaluation-record';
import { diskWriterSync, RunWriteError, writeFileAtomicSync, type RunFileWriterSync } from './run-files';

/** How long batch losses may wait in memory before they are appended. */
const FLUSH_INTERVAL_MS = 1000;

/**
 * Appends a run's metrics.jsonl from inside the trainer: losses are buffered and written at least every
 * second, evaluations immediately, so a killed trainer loses at most the last second of batch losses and
 * never a finished epoch. Synchronous appends keep lines whole and in order.
 */
export class MetricsWriter {
  private readonly file: string;
  private start = -1;
  private losses: Array<number | null> = [];
  private lastFlush = performance.now();
  private readonly writer: RunFileWriterSync;

  constructor(file: string, writer: RunFileWriterSync = diskWriterSync) {
    this.file = file;
    this.writer = writer;
  }

  addLoss(iteration: number, loss: number): void {
    if (this.losses.length === 0) this.start = iteration;
    // JSON has no NaN or Infinity: a non-finite loss is stored as null.
    this.losses.push(Number.isFinite(loss) ? loss : null);
    if (performance.now() - this.lastFlush >= FLUSH_INTERVAL_MS) this.flush();
  }

  addEvaluation(record: EvaluationRecord): void {
    this.flush();
    this.append({ type: 'evaluation', ...storedEvaluation(record) });
  }

  flush(): void {
    this.lastFlush = performance.now();
    if (this.losses.length === 0) return;
    this.append({ type: 'losses', start: this.start, values: this.losses, t: Math.round(Date.now()) / 1000 });
    this.losses = [];
  }

  /** A failed append (a full disk) is cut back off, so the lines before it stay whole and the file ends on a line. */
  private append(line: MetricsLine): void {
    const before = statSync(this.file, { throwIfNoEntry: false })?.size ?? 0;
    try {
      this.writer.append(this.file, `${JSON.stringify(line)}\n`);
    } catch (error) {
      try {
        truncateSync(this.file, before);
      } catch {
        // a partial last line is dropped by readers as torn; the write's error is the one to report
      }
      throw new RunWriteError(this.file, error);
    }
  }
}

/**
 * Drops what a killed trainer wrote after its last checkpoint (losses from `iteration` on, later
 * evaluations), so a resumed run appends a continuous curve. Rewritten atomically.
 */
export function trimMetrics(file: string, iteration: number, writer?: RunFileWriterSync): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const kept: string[] = [];
  for (const row of text.split('\n').slice(0, -1)) {
    const parsed = metricsLineSchema.safeParse(safeJson(row));
    if (!parsed.success) continue;
    const line = parsed.data;
    if (line.type === 'evaluation') {
      if (line.iteration <= iteration) kept.push(row);
    } else if (line.start < iteration) {
      kept.push(JSON.stringify({ ...line, values: line.values.slice(0, iteration - line.start) }));
    }
  }
  writeFileAtomicSync(file, kept.map((row) => `${row}\n`).join(''), writer);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
