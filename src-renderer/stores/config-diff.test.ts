import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../src-shared/config';
import { configDiff } from './config-diff';

describe('config diff', () => {
  it('is empty for the same config', () => {
    expect(configDiff(parseTrainConfig({}), parseTrainConfig({}))).toEqual([]);
  });

  it('shows only the fields that differ, deep ones as paths, lists of numbers as one field', () => {
    const a = parseTrainConfig({ network: { hiddenSizes: [50] }, optimizer: { type: 'sgd', lr: 0.1 } });
    const b = parseTrainConfig({ network: { hiddenSizes: [100, 100] }, optimizer: { type: 'adam', lr: 0.001 }, name: 'b' });
    expect(configDiff(a, b)).toEqual([
      { path: 'network.hiddenSizes', a: '[50]', b: '[100, 100]' },
      { path: 'optimizer.type', a: 'sgd', b: 'adam' },
      { path: 'optimizer.lr', a: '0.1', b: '0.001' },
      // Then the fields only B has, in B's order.
      { path: 'name', a: undefined, b: 'b' },
      { path: 'optimizer.beta1', a: undefined, b: '0.9' },
      { path: 'optimizer.beta2', a: undefined, b: '0.999' },
    ]);
  });

  it('walks lists of objects item by item', () => {
    const a = { layers: [{ kind: 'dense', size: 50 }, { kind: 'relu' }] };
    const b = { layers: [{ kind: 'dense', size: 60 }, { kind: 'relu' }, { kind: 'dropout', rate: 0.5 }] };
    expect(configDiff(a, b)).toEqual([
      { path: 'layers[0].size', a: '50', b: '60' },
      { path: 'layers[2].kind', a: undefined, b: 'dropout' },
      { path: 'layers[2].rate', a: undefined, b: '0.5' },
    ]);
  });
});
