import { join } from 'node:path';
import type { EvaluationRecord } from '../../src-engine/training/evaluation-record';
import type { Trainer } from '../../src-engine/training/trainer';
import { writeCheckpointAtomic } from './checkpoint';
import { MetricsWriter } from './metrics-writer';
import { diskWriterSync, type RunFileWriterSync } from './run-files';
import { CHECKPOINT_FILE, METRICS_FILE } from './run-layout';

/**
 * What a training loop writes into its run directory as it goes: every batch loss (metrics.jsonl, at least
 * once a second), every evaluation, and a weights checkpoint at each evaluation and when it ends. Used by the
 * trainer process and the in-process CLI alike. A write that fails (a full disk) throws a RunWriteError naming
 * the file and the cause, and leaves no temporary file: the caller fails the run with that reason.
 */
export class RunRecorder {
  readonly directory: string;
  private readonly metrics: MetricsWriter;
  private readonly trainer: Trainer;
  private readonly writer: RunFileWriterSync;

  constructor(directory: string, trainer: Trainer, writer: RunFileWriterSync = diskWriterSync) {
    this.directory = directory;
    this.trainer = trainer;
    this.writer = writer;
    this.metrics = new MetricsWriter(join(directory, METRICS_FILE), writer);
  }

  loss(iteration: number, loss: number): void {
    this.metrics.addLoss(iteration, loss);
  }

  evaluation(record: EvaluationRecord): void {
    this.metrics.addEvaluation(record);
    this.checkpoint();
  }

  /** At pause, stop or finish. A diverged run keeps its last good checkpoint instead of NaN weights. */
  end(diverged = false): void {
    this.metrics.flush();
    if (!diverged) this.checkpoint();
  }

  checkpoint(): void {
    const { tensors, meta } = this.trainer.snapshot();
    writeCheckpointAtomic(join(this.directory, CHECKPOINT_FILE), tensors, meta, this.writer);
  }
}
