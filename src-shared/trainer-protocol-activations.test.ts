import { describe, expect, it } from 'vitest';
import { trainerEventSchema } from './trainer-protocol';

const conv = { name: 'Conv1', kind: 'Convolution', size: 4, shape: [1, 2, 2], values: [-1, 3, 11, 15], min: -1, max: 15, zeros: null, saturated: null };
const event = (layer: Record<string, unknown>) => ({ type: 'inputActivations', requestId: 'r1', activations: { layers: [layer], probabilities: [0.5, 0.5], predicted: 0 } });

describe('the inputActivations event', () => {
  it("carries a conv layer's (C, H, W) shape, and a flat layer without one", () => {
    expect(trainerEventSchema.parse(event(conv))).toEqual(event(conv));
    const { shape: _shape, ...flat } = conv;
    expect(trainerEventSchema.parse(event({ ...flat, kind: 'Affine' }))).toEqual(event({ ...flat, kind: 'Affine' }));
  });

  it('refuses a shape that is not three positive sizes', () => {
    expect(trainerEventSchema.safeParse(event({ ...conv, shape: [1, 0, 2] })).success).toBe(false);
    expect(trainerEventSchema.safeParse(event({ ...conv, shape: [1, 2] })).success).toBe(false);
  });
});
