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
    expect(() => parseTrainConfig({ training: { iterations: 10, epochs: 2 } })).toThrow(/training.epochs: Give iterations or epochs, not both/);
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
    expect(config.network).toMatchObject({ weightInit: 'he', activation: 'relu' });
    expect(totalIterations(config.training, 60000)).toBe(750);
  });

  it('says what is wrong in plain words, the same for the form, the CLI and the services', () => {
    const result = safeParseTrainConfig({
      name: 'x'.repeat(201),
      network: { hiddenSizes: [2.5, 'many', 0], activation: 'tanh', weightInit: 'big' },
      optimizer: { type: 'sgd', lr: Number.NaN },
      training: { batchSize: 0, epochs: 0, evaluateEvery: 'often' },
      seed: 2 ** 40,
      dtype: 'float16',
      netwrok: {},
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.fromEntries(result.issues.map((i) => [i.field, i.message]))).toEqual({
      name: 'At most 200 characters',
      'network.hiddenSizes.0': 'Must be a whole number',
      'network.hiddenSizes.1': 'Enter a number',
      'network.hiddenSizes.2': 'Must be at least 1',
      'network.activation': 'Must be one of relu, sigmoid',
      'network.weightInit': 'Must be a positive standard deviation or one of he, relu, xavier, sigmoid',
      'optimizer.lr': 'Enter a number',
      'training.batchSize': 'Must be at least 1',
      'training.epochs': 'Must be above 0',
      'training.evaluateEvery': 'Enter "epoch" or a whole number of iterations',
      seed: 'Too large for a seed: at most 4294967295',
      dtype: 'Must be one of float32, float64',
      '(root)': 'Unknown field "netwrok"',
    });
    // The CLI and the services name the field before the message.
    expect(() => parseTrainConfig({ optimizer: { type: 'adamw' }, network: { dropout: 1 } }, 'run.json')).toThrow(
      'run.json: invalid config: network.dropout: Must be below 1; optimizer.type: Must be one of sgd, momentum, nesterov, adagrad, rmsprop, adam',
    );
  });
});
