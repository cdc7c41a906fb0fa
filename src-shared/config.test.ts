import { describe, expect, it } from 'vitest';
import { totalIterations } from '../src-engine/training/train-spec';
import { ConfigError, parseTrainConfig, safeParseTrainConfig } from './config';

describe('the shared training config schema', () => {
  it('defaults to the book\'s ch5 run', () => {
    const config = parseTrainConfig({});
    expect(config.network).toEqual({ inputSize: 784, hiddenSizes: [50], outputSize: 10, activation: 'relu', weightInit: 0.01, weightDecay: 0, batchNorm: false, dropout: 0, invertedDropout: false, lossDelta: 1e-7 });
    expect(config.optimizer).toEqual({ type: 'sgd', lr: 0.1 });
    expect(config.training.batchSize).toBe(100);
    expect(totalIterations(config.training, 60000)).toBe(10000);
    expect(config.training.evaluateEvery).toBe('epoch');
    expect(config.training.sampling).toBe('replacement');
    expect(config.dataset).toEqual({ kind: 'mnist' });
    expect([config.seed, config.dtype, config.backend]).toEqual([0, 'float32', 'auto']);
  });

  it('reports every bad field by its path', () => {
    const result = safeParseTrainConfig({
      network: { hiddenSizes: [50, -3], activation: 'tanh' },
      optimizer: { type: 'sgd', lr: 0 },
      training: { batchSize: 2.5 },
      dtype: 'float16',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const fields = result.issues.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['network.hiddenSizes.1', 'network.activation', 'optimizer.lr', 'training.batchSize', 'dtype']));
    expect(result.issues.every((i) => i.message.length > 0)).toBe(true);
  });

  it('rejects unknown keys, iterations together with epochs, and an unknown optimizer', () => {
    expect(() => parseTrainConfig({ netwrok: {} })).toThrow(ConfigError);
    expect(() => parseTrainConfig({ training: { iterations: 10, epochs: 2 } })).toThrow(/training.epochs: give iterations or epochs, not both/);
    const bad = safeParseTrainConfig({ optimizer: { type: 'adamw' } });
    expect(!bad.ok && bad.issues[0].field).toBe('optimizer.type');
    try {
      parseTrainConfig({ seed: -1 }, 'my.json');
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).message).toMatch(/^my.json: invalid config: seed:/);
      expect((error as ConfigError).issues[0].field).toBe('seed');
    }
  });

  it('accepts init names case-insensitively and epochs instead of iterations', () => {
    const config = parseTrainConfig({ network: { weightInit: 'He', activation: 'ReLU' }, training: { epochs: 2.5, batchSize: 200 } });
    expect(config.network.weightInit).toBe('he');
    expect(config.network.activation).toBe('relu');
    expect(totalIterations(config.training, 60000)).toBe(750);
  });
});
