import { MAX_CELL_IMAGES, MAX_CONFUSION_MISTAKES, type ConfusionMatrix, type ConfusionMistake } from '../../src-shared/api';

/**
 * Counts a classifier's answers on a test set, chunk by chunk: the prediction of an image is the first class
 * of highest probability (the engine's argmaxRows), its confidence that probability. Every mistake is kept
 * as (index, confidence) only, so memory follows the test set (already in memory), not the classes.
 */
export class ConfusionTally {
  private readonly counts: Int32Array;
  private readonly mistakeIndex: number[] = [];
  private readonly mistakeConfidence: number[] = [];
  private readonly mistakeLabel: number[] = [];
  private readonly mistakePredicted: number[] = [];
  private images = 0;

  constructor(readonly classes: number) {
    if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`a confusion matrix needs at least one class, not ${classes}`);
    this.counts = new Int32Array(classes * classes);
  }

  /**
   * Adds `labels.length` images numbered from `firstIndex`: their labels and their probabilities
   * (rows x classes, row-major).
   */
  add(firstIndex: number, labels: ArrayLike<number>, probabilities: ArrayLike<number>): void {
    const { classes } = this;
    const rows = labels.length;
    if (probabilities.length !== rows * classes) throw new RangeError(`${probabilities.length} probabilities for ${rows} images of ${classes} classes`);
    for (let r = 0; r < rows; r++) {
      const label = labels[r]!;
      if (!Number.isInteger(label) || label < 0 || label >= classes) throw new RangeError(`image ${firstIndex + r} has label ${label}, outside 0..${classes - 1}`);
      let predicted = 0;
      let confidence = probabilities[r * classes]!;
      for (let c = 1; c < classes; c++) {
        const p = probabilities[r * classes + c]!;
        if (p > confidence) {
          predicted = c;
          confidence = p;
        }
      }
      this.counts[label * classes + predicted]!++;
      if (predicted !== label) {
        this.mistakeIndex.push(firstIndex + r);
        this.mistakeConfidence.push(confidence);
        this.mistakeLabel.push(label);
        this.mistakePredicted.push(predicted);
      }
    }
    this.images += rows;
  }

  /** The matrix so far, with the most confident mistakes overall and per cell. */
  result(limits: { readonly mistakes: number; readonly perCell: number } = { mistakes: MAX_CONFUSION_MISTAKES, perCell: MAX_CELL_IMAGES }): ConfusionMatrix {
    const { classes } = this;
    const counts: number[][] = [];
    const perClassAccuracy: Array<number | null> = [];
    let correct = 0;
    for (let t = 0; t < classes; t++) {
      const row = Array.from(this.counts.subarray(t * classes, (t + 1) * classes));
      const total = row.reduce((sum, n) => sum + n, 0);
      correct += row[t]!;
      counts.push(row);
      perClassAccuracy.push(total === 0 ? null : row[t]! / total);
    }
    // Most confident first; equal confidences in test-set order.
    const order = this.mistakeIndex.map((_, i) => i).sort((a, b) => this.mistakeConfidence[b]! - this.mistakeConfidence[a]! || this.mistakeIndex[a]! - this.mistakeIndex[b]!);
    const cellImages = counts.map(() => counts.map((): number[] => []));
    const mistakes: ConfusionMistake[] = [];
    for (const i of order) {
      const label = this.mistakeLabel[i]!;
      const predicted = this.mistakePredicted[i]!;
      const index = this.mistakeIndex[i]!;
      if (mistakes.length < limits.mistakes) mistakes.push({ index, label, predicted, confidence: this.mistakeConfidence[i]! });
      const cell = cellImages[label]![predicted]!;
      if (cell.length < limits.perCell) cell.push(index);
    }
    return { classes, images: this.images, counts, perClassAccuracy, accuracy: this.images === 0 ? Number.NaN : correct / this.images, mistakes, cellImages };
  }
}
