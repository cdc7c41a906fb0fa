import type { Targets, TensorOps } from '../ops';
import { Tensor } from '../tensor';

/**
 * The book's accuracy: the fraction of rows whose highest score is the target class (t as labels, or one-hot
 * rows). Keeps its buffer of predicted labels from call to call while the batch size stays the same.
 */
export class AccuracyCounter {
  private predicted = new Int32Array(0);

  constructor(private readonly ops: TensorOps) {}

  of(scores: Tensor, t: Targets): number {
    const rows = scores.shape[0];
    if (rows === 0) return 0;
    if (this.predicted.length !== rows) this.predicted = new Int32Array(rows);
    const predicted = this.predicted;
    this.ops.argmaxRows(scores, predicted);
    const labels = t instanceof Tensor ? new Int32Array(rows) : t;
    if (t instanceof Tensor) this.ops.argmaxRows(t, labels);
    let correct = 0;
    for (let i = 0; i < rows; i++) if (predicted[i] === labels[i]) correct++;
    return correct / rows;
  }
}
