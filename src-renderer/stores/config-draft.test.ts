import { describe, expect, it } from 'vitest';
import { simpleConvNet } from '../../src-engine/networks/layer-list-spec';
import { parseTrainConfig } from '../../src-shared/config';
import { changeOptimizer, draftFromConfig, dropStalePresetName, learningRateHint, PRESETS, validateDraft } from './config-draft';

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
    expect(config.network).toMatchObject({ hiddenSizes: [100, 100, 100, 100], weightInit: 'he' });
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

  it('a learning rate still at the old optimizer\'s usual value follows the optimizer; a typed one stays', () => {
    const draft = draftFromConfig(parseTrainConfig(PRESETS[0]!.config));
    expect(draft.lr).toBe('0.1');
    changeOptimizer(draft, 'adam');
    expect([draft.optimizer, draft.lr]).toEqual(['adam', '0.001']);
    changeOptimizer(draft, 'rmsprop');
    expect(draft.lr).toBe('0.01');
    changeOptimizer(draft, 'momentum');
    expect(draft.lr).toBe('0.01');
    changeOptimizer(draft, 'sgd');
    expect(draft.lr).toBe('0.1');
    // The book's SGD class default (the 5-layer preset's 0.01) counts as SGD's usual value too.
    const fiveLayer = draftFromConfig(parseTrainConfig(PRESETS[1]!.config));
    changeOptimizer(fiveLayer, 'adam');
    expect(fiveLayer.lr).toBe('0.001');
    // A value of the user's own, typed or loaded, is never replaced.
    const typed = draftFromConfig(parseTrainConfig({}));
    typed.lr = '0.1';
    typed.lrTyped = true;
    changeOptimizer(typed, 'adam');
    expect([typed.optimizer, typed.lr]).toEqual(['adam', '0.1']);
    const loaded = draftFromConfig(parseTrainConfig({ optimizer: { type: 'sgd', lr: 0.05 } }));
    changeOptimizer(loaded, 'adagrad');
    expect(loaded.lr).toBe('0.05');
    expect(learningRateHint('adam')).toBe('Usual for this optimizer: 0.001');
    expect(learningRateHint('sgd')).toMatch(/0\.1 .*0\.01/);
  });

  it('a preset\'s name goes once its config is edited; a typed name stays', () => {
    const draft = draftFromConfig(parseTrainConfig(PRESETS[0]!.config), { fromPreset: true });
    dropStalePresetName(draft);
    expect(draft.name).toBe('ch5 TwoLayerNet');
    draft.hiddenSizes[0] = '100';
    dropStalePresetName(draft);
    expect(draft.name).toBe('');
    expect(validateDraft(draft).config?.name).toBeUndefined();

    const renamed = draftFromConfig(parseTrainConfig(PRESETS[1]!.config), { fromPreset: true });
    renamed.name = 'my deep net';
    dropStalePresetName(renamed);
    renamed.batchSize = '64';
    dropStalePresetName(renamed);
    expect(renamed.name).toBe('my deep net');

    const loaded = draftFromConfig(parseTrainConfig({ name: 'from a file' }));
    loaded.seed = '3';
    dropStalePresetName(loaded);
    expect(loaded.name).toBe('from a file');
  });

  it("the ch7 preset is the book's SimpleConvNet trained as train_convnet.py does, in the layer list", () => {
    const draft = draftFromConfig(parseTrainConfig(PRESETS.find((p) => p.id === 'ch7-simple-convnet')!.config));
    expect(draft.networkKind).toBe('layers');
    expect(draft.layerList.layers).toEqual(simpleConvNet().layers);
    const config = validateDraft(draft).config!;
    expect(config.network).toEqual({ ...simpleConvNet(), weightDecay: 0 });
    expect([config.optimizer, config.training.epochs, config.training.evaluationSamples, config.training.sampling]).toEqual([{ type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999 }, 20, 1000, 'replacement']);
  });

  it('keeps a layer list beside the fully connected fields: switching back gives the same config', () => {
    const config = parseTrainConfig(PRESETS[1]!.config);
    const draft = draftFromConfig(config);
    expect(draft.networkKind).toBe('mlp');
    expect(draft.layerList).toEqual(simpleConvNet());
    draft.networkKind = 'layers';
    draft.networkKind = 'mlp';
    expect(validateDraft(draft).config).toEqual(config);
  });

  it("refuses a layer list that does not fit with the engine's reason, and one with a number that does not parse", () => {
    const draft = draftFromConfig(parseTrainConfig({}));
    draft.networkKind = 'layers';
    draft.layerList = { ...simpleConvNet(), layers: [{ type: 'conv', filters: 4, size: 5, stride: 1, pad: 0 }, { type: 'pool', size: 30, stride: 1 }, { type: 'affine', units: 10 }] };
    const misfit = validateDraft(draft);
    expect(misfit.config).toBeUndefined();
    expect(misfit.errors['network.layers']).toBe('Its 30x30 window does not fit the 24x24 images layers[0] (conv 4 filters 5x5) gives (4, 24, 24)');

    draft.layerList = simpleConvNet();
    draft.layerListEntryErrors = 2;
    expect(validateDraft(draft).errors['network.layers']).toBe('2 numbers in the layer list are not valid');
    draft.networkKind = 'mlp';
    expect(validateDraft(draft).errors['network.layers']).toBeUndefined();
  });
});
