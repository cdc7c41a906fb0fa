import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../../src-shared/config';
import { draftFromConfig, PRESETS, validateDraft } from './config-draft';

describe('config draft', () => {
  it('round-trips a config through the form unchanged', () => {
    for (const preset of PRESETS) {
      const config = parseTrainConfig(preset.config);
      expect(validateDraft(draftFromConfig(config)).config).toEqual(config);
    }
    // Fields the form does not show (sampling, subset, loss delta) survive an edit.
    const epochs = parseTrainConfig({
      dataset: { kind: 'idx', path: '/data/fashion' },
      network: { lossDelta: 0 },
      training: { epochs: 2.5, evaluateEvery: 50, evaluationSamples: 1000, sampling: 'shuffle', trainSubset: 300 },
      dtype: 'float64',
    });
    expect(validateDraft(draftFromConfig(epochs)).config).toEqual(epochs);
  });

  it('the 5-layer preset is 784-100x4-10 ReLU with He init', () => {
    const config = validateDraft(draftFromConfig(parseTrainConfig(PRESETS[1]!.config))).config!;
    expect(config.network.hiddenSizes).toEqual([100, 100, 100, 100]);
    expect(config.network.weightInit).toBe('he');
  });

  it('reports each bad field at its path, in words for a form', () => {
    const draft = draftFromConfig(parseTrainConfig({ network: { hiddenSizes: [50, 20] } }));
    draft.batchSize = '0';
    draft.lr = 'fast';
    draft.hiddenSizes[1] = '2.5';
    draft.seed = '';
    const { config, errors } = validateDraft(draft);
    expect(config).toBeUndefined();
    expect(errors['training.batchSize']).toBe('Must be at least 1');
    expect(errors['optimizer.lr']).toBe('Enter a number');
    expect(errors['network.hiddenSizes.1']).toBe('Must be a whole number');
    expect(errors.seed).toBe('Enter a number');
  });

  it('an IDX dataset needs its folder', () => {
    const draft = draftFromConfig(parseTrainConfig({}));
    draft.datasetKind = 'idx';
    expect(validateDraft(draft).errors['dataset.path']).toBe('Must name a directory of IDX files');
  });
});
