import { describe, expect, it } from 'vitest';
import { ConfusionTally } from './confusion-tally';

/**
 * Seven images of three classes, by hand:
 *   #0 label 0, p (0.7, 0.2, 0.1)  -> 0 right
 *   #1 label 0, p (0.1, 0.6, 0.3)  -> 1 wrong (0.6)
 *   #2 label 1, p (0.2, 0.5, 0.3)  -> 1 right
 *   #3 label 1, p (0.4, 0.4, 0.2)  -> 0 wrong (0.4: a tie goes to the first class, as argmaxRows)
 *   #4 label 2, p (0.05, 0.9, 0.05) -> 1 wrong (0.9)
 *   #5 label 2, p (0.1, 0.1, 0.8)  -> 2 right
 *   #6 label 0, p (0.2, 0.7, 0.1)  -> 1 wrong (0.7)
 * counts (true x predicted): [[1, 2, 0], [1, 1, 0], [0, 1, 1]]; 3 of 7 right.
 */
const labels = [0, 0, 1, 1, 2, 2, 0];
const probabilities = [0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.5, 0.3, 0.4, 0.4, 0.2, 0.05, 0.9, 0.05, 0.1, 0.1, 0.8, 0.2, 0.7, 0.1];

describe('the confusion tally', () => {
  it('counts a hand-computed case exactly, whatever the chunks', () => {
    for (const chunk of [1, 3, 7]) {
      const tally = new ConfusionTally(3);
      for (let start = 0; start < labels.length; start += chunk) {
        const end = Math.min(start + chunk, labels.length);
        tally.add(start, labels.slice(start, end), probabilities.slice(start * 3, end * 3));
      }
      const matrix = tally.result();
      expect(matrix.counts).toEqual([
        [1, 2, 0],
        [1, 1, 0],
        [0, 1, 1],
      ]);
      expect(matrix.images).toBe(7);
      expect(matrix.accuracy).toBe(3 / 7);
      expect(matrix.perClassAccuracy).toEqual([1 / 3, 1 / 2, 1 / 2]);
      expect(matrix.mistakes).toEqual([
        { index: 4, label: 2, predicted: 1, confidence: 0.9 },
        { index: 6, label: 0, predicted: 1, confidence: 0.7 },
        { index: 1, label: 0, predicted: 1, confidence: 0.6 },
        { index: 3, label: 1, predicted: 0, confidence: 0.4 },
      ]);
      expect(matrix.cellImages).toEqual([
        [[], [6, 1], []],
        [[3], [], []],
        [[], [4], []],
      ]);
    }
  });

  it('keeps only the most confident mistakes overall and per cell; a class without images has no accuracy', () => {
    const tally = new ConfusionTally(4);
    tally.add(0, labels, probabilities.flatMap((p, i) => (i % 3 === 2 ? [p, 0] : [p])));
    const matrix = tally.result({ mistakes: 2, perCell: 1 });
    expect(matrix.mistakes.map((m) => m.index)).toEqual([4, 6]);
    expect(matrix.cellImages[0]![1]).toEqual([6]);
    expect(matrix.perClassAccuracy[3]).toBeNull();
    expect(matrix.counts[3]).toEqual([0, 0, 0, 0]);
  });

  it('refuses probabilities of the wrong length and labels outside the classes', () => {
    const tally = new ConfusionTally(3);
    expect(() => tally.add(0, [0], [0.5, 0.5])).toThrow('2 probabilities for 1 images of 3 classes');
    expect(() => tally.add(0, [3], [0.2, 0.3, 0.5])).toThrow('image 0 has label 3, outside 0..2');
    expect(() => new ConfusionTally(0)).toThrow('at least one class');
  });
});
