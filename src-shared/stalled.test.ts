import { describe, expect, it } from 'vitest';
import { stalledAtChance } from './stalled';

const at = (testAccuracy: number | null, testLoss: number | null, trainLoss: number | null = testLoss) => ({ testAccuracy, testLoss, trainLoss });
const chance = at(0.098, 2.3026);

describe('a run stuck at chance', () => {
  it('is flagged when its last three evaluations are all at chance, with what to try', () => {
    const message = stalledAtChance([at(0.11, 2.31), at(0.1135, 2.301), chance], 10);
    expect(message).toBe('stuck at chance: test accuracy 9.8 % and loss 2.30 ≈ ln 10 over the last 3 evaluations; try a smaller learning rate, He init for ReLU, or check the data');
    // A run that learned and then collapsed to chance is stuck too.
    expect(stalledAtChance([at(0.9, 0.3), chance, chance, chance], 10)).toBeDefined();
  });

  it('is not flagged with fewer evaluations, once any recent one beats chance, or when the loss is not at ln(classes)', () => {
    expect(stalledAtChance([chance, chance], 10)).toBeUndefined();
    expect(stalledAtChance([chance, chance, chance, at(0.2, 2.2)], 10)).toBeUndefined();
    expect(stalledAtChance([chance, at(0.16, 2.3), chance], 10)).toBeUndefined();
    // Accuracy at chance but the loss far from ln 10 (a confident wrong net) is another failure.
    expect(stalledAtChance([at(0.1, 5), at(0.1, 5), at(0.1, 5)], 10)).toBeUndefined();
    // Not measured (a diverged run's NaN, stored as null): diverged is its own status.
    expect(stalledAtChance([chance, chance, at(null, null)], 10)).toBeUndefined();
    expect(stalledAtChance([], 10)).toBeUndefined();
  });

  it('scales chance with the number of classes and falls back on the training loss', () => {
    const two = at(0.5, Math.log(2));
    expect(stalledAtChance([two, two, two], 2)).toMatch(/≈ ln 2/);
    expect(stalledAtChance([chance, chance, chance], 2)).toBeUndefined();
    expect(stalledAtChance([at(0.1, null, 2.3), at(0.1, null, 2.31), at(0.1, null, 2.29)], 10)).toMatch(/loss 2\.29/);
  });
});
