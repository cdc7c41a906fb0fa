import { simpleConvNet, type LayerListSpec } from '../../src-engine/networks/layer-list-spec';
import type { NetworkSpec } from '../../src-engine/networks/network-spec';
import { OPTIMIZER_DEFAULTS, type OptimizerType } from '../../src-engine/optimizers';
import { safeParseTrainConfig, type TrainConfig, type TrainConfigInput } from '../../src-shared/config';
import { describeLayers } from '../network/layer-rows';
import { defaultLayerList, layerListNetworkInput, layerListOf, mlpOf, weightDecayOf, type NetworkKind } from '../network/network-kind';

/**
 * The Network view's form, as the user types it: numbers stay strings until they parse, so a half-typed or
 * wrong value reaches the shared schema (and its message) instead of silently becoming a default.
 */
export interface ConfigDraft {
  /** The config the form was filled from: fields the form does not show (sampling, subsets…) come from it. */
  base: TrainConfig;
  name: string;
  datasetKind: TrainConfig['dataset']['kind'];
  datasetPath: string;
  /** Fully connected (hiddenSizes ...) or a layer list (chapter 7's conv nets). */
  networkKind: NetworkKind;
  /** The layer list, kept while the fully connected fields are shown (and the reverse). */
  layerList: LayerListSpec;
  /** Numbers typed in the layer list that do not parse (the list holds their last good value meanwhile). */
  layerListEntryErrors: number;
  hiddenSizes: string[];
  activation: NetworkSpec['activation'];
  initKind: 'std' | 'he' | 'xavier';
  initStd: string;
  weightDecay: string;
  batchNorm: boolean;
  dropout: string;
  invertedDropout: boolean;
  optimizer: OptimizerType;
  lr: string;
  /** The user typed the learning rate: changing the optimizer then never replaces it. */
  lrTyped: boolean;
  /** Momentum and Nesterov. */
  momentum: string;
  /** RMSprop. */
  decayRate: string;
  /** Adam. */
  beta1: string;
  beta2: string;
  batchSize: string;
  lengthKind: 'iterations' | 'epochs';
  iterations: string;
  epochs: string;
  evaluateEvery: string;
  evaluationSamples: string;
  seed: string;
  dtype: TrainConfig['dtype'];
  backend: TrainConfig['backend'];
  /** The name came with a preset (not typed): it goes once the config is edited (see dropStalePresetName). */
  preset?: { readonly name: string; readonly shape: string };
}

export type PresetId = 'ch5-two-layer' | 'five-layer-relu' | 'ch7-simple-convnet';

export const PRESETS: ReadonlyArray<{ id: PresetId; label: string; description: string; config: TrainConfigInput }> = [
  {
    id: 'ch5-two-layer',
    label: 'Book ch5 TwoLayerNet',
    description: '784-50-10, ReLU, std 0.01, SGD lr 0.1, batch 100, 10000 iterations (train_neuralnet.py)',
    config: { name: 'ch5 TwoLayerNet', training: { iterations: 10000 } },
  },
  {
    id: 'five-layer-relu',
    label: '5-layer ReLU (100 units)',
    description: '784-100-100-100-100-10, ReLU, He init, SGD lr 0.01, batch 128, 2000 iterations',
    config: {
      name: '5-layer ReLU',
      network: { hiddenSizes: [100, 100, 100, 100], activation: 'relu', weightInit: 'he' },
      optimizer: { type: 'sgd', lr: 0.01 },
      training: { batchSize: 128, iterations: 2000 },
    },
  },
  {
    id: 'ch7-simple-convnet',
    label: 'Book ch7 SimpleConvNet',
    description: 'conv 30 5x5 → ReLU → pool 2x2 → affine 100 → ReLU → affine 10, std 0.01, Adam lr 0.001, batch 100, 20 epochs evaluated on 1000 samples (train_convnet.py; resources/presets/simple-convnet.json)',
    config: {
      name: 'SimpleConvNet (ch7 train_convnet.py)',
      network: layerListNetworkInput(simpleConvNet(), 0),
      optimizer: { type: 'adam', lr: 0.001 },
      training: { batchSize: 100, epochs: 20, evaluateEvery: 'epoch', evaluationSamples: 1000, sampling: 'replacement' },
    },
  },
];

/** A form filled from `config`; with `fromPreset`, its name is the preset's (dropped once the config is edited). */
export function draftFromConfig(config: TrainConfig, options: { fromPreset?: boolean } = {}): ConfigDraft {
  const draft = filledDraft(config);
  if (options.fromPreset && draft.name) draft.preset = { name: draft.name, shape: shapeOf(draft) };
  return draft;
}

function filledDraft(config: TrainConfig): ConfigDraft {
  const layerList = layerListOf(config.network);
  const mlp = mlpOf(config.network);
  const init = mlp.weightInit;
  const { training } = config;
  return {
    base: config,
    name: config.name ?? '',
    datasetKind: config.dataset.kind,
    datasetPath: config.dataset.kind === 'idx' ? config.dataset.path : '',
    networkKind: layerList ? 'layers' : 'mlp',
    layerList: layerList ?? defaultLayerList(),
    layerListEntryErrors: 0,
    hiddenSizes: mlp.hiddenSizes.map(String),
    activation: mlp.activation,
    initKind: typeof init === 'number' ? 'std' : init === 'he' || init === 'relu' ? 'he' : 'xavier',
    initStd: typeof init === 'number' ? String(init) : '0.01',
    weightDecay: String(weightDecayOf(layerList ?? mlp)),
    batchNorm: mlp.batchNorm,
    dropout: String(mlp.dropout),
    invertedDropout: mlp.invertedDropout,
    optimizer: config.optimizer.type,
    lr: String(config.optimizer.lr),
    lrTyped: false,
    momentum: String('momentum' in config.optimizer ? config.optimizer.momentum : 0.9),
    decayRate: String('decayRate' in config.optimizer ? config.optimizer.decayRate : 0.99),
    beta1: String('beta1' in config.optimizer ? config.optimizer.beta1 : 0.9),
    beta2: String('beta2' in config.optimizer ? config.optimizer.beta2 : 0.999),
    batchSize: String(training.batchSize),
    lengthKind: training.epochs !== undefined ? 'epochs' : 'iterations',
    iterations: String(training.iterations ?? 10000),
    epochs: String(training.epochs ?? 1),
    evaluateEvery: String(training.evaluateEvery),
    evaluationSamples: training.evaluationSamples === undefined ? '' : String(training.evaluationSamples),
    seed: String(config.seed),
    dtype: config.dtype,
    backend: config.backend,
  };
}

/** A numeric field: the number when the text is one, else the text itself (the schema then names the field). */
function numeric(text: string): number | string {
  const trimmed = text.trim();
  if (trimmed === '') return text;
  const value = Number(trimmed);
  return Number.isNaN(value) ? text : value;
}

/** What the draft configures, its name aside. */
function shapeOf(draft: ConfigDraft): string {
  const { name: _name, ...config } = configInputFromDraft(draft);
  return JSON.stringify(config);
}

/**
 * A preset's name describes the preset's config: once the config is edited it is cleared (the run store then
 * names the run after its layers). A name the user typed, or changed, stays.
 */
export function dropStalePresetName(draft: ConfigDraft): void {
  if (!draft.preset) return;
  if (draft.name !== draft.preset.name) delete draft.preset;
  else if (shapeOf(draft) !== draft.preset.shape) {
    draft.name = '';
    delete draft.preset;
  }
}

/** The book's SGD class default (common/optimizer.py); the ch5 script, and the engine's default, use 0.1. */
const BOOK_SGD_LR = 0.01;

/** The learning rates an optimizer is usually run with: the book's defaults (for SGD also the ch5 script's 0.1). */
function usualLearningRates(type: OptimizerType): readonly number[] {
  return type === 'sgd' ? [OPTIMIZER_DEFAULTS.sgd.lr, BOOK_SGD_LR] : [OPTIMIZER_DEFAULTS[type].lr];
}

/** The hint under the learning rate: the optimizer's usual value(s). */
export function learningRateHint(type: OptimizerType): string {
  return type === 'sgd' ? `Usual for SGD: ${OPTIMIZER_DEFAULTS.sgd.lr} (ch5 script) or ${BOOK_SGD_LR} (the book's SGD)` : `Usual for this optimizer: ${OPTIMIZER_DEFAULTS[type].lr}`;
}

/**
 * Switches the optimizer. A learning rate still at the previous optimizer's usual value becomes the new one's
 * (Adam at SGD's 0.1 would not learn); one the user typed is kept.
 */
export function changeOptimizer(draft: ConfigDraft, type: OptimizerType): void {
  if (type === draft.optimizer) return;
  const lr = Number(draft.lr.trim());
  if (!draft.lrTyped && draft.lr.trim() !== '' && usualLearningRates(draft.optimizer).includes(lr)) draft.lr = String(OPTIMIZER_DEFAULTS[type].lr);
  draft.optimizer = type;
}

/** The config the draft describes, in the shared schema's input shape (not yet validated). */
function configInputFromDraft(draft: ConfigDraft): Record<string, unknown> {
  const { iterations: _i, epochs: _e, evaluationSamples: _s, ...training } = draft.base.training;
  return {
    ...(draft.name.trim() ? { name: draft.name.trim() } : {}),
    dataset: draft.datasetKind === 'mnist' ? { kind: 'mnist' } : { kind: 'idx', path: draft.datasetPath.trim() },
    network: draft.networkKind === 'layers' ? layerListNetworkInput(draft.layerList, numeric(draft.weightDecay)) : {
      ...mlpOf(draft.base.network),
      hiddenSizes: draft.hiddenSizes.map(numeric),
      activation: draft.activation,
      weightInit: draft.initKind === 'std' ? numeric(draft.initStd) : draft.initKind,
      weightDecay: numeric(draft.weightDecay),
      batchNorm: draft.batchNorm,
      dropout: numeric(draft.dropout),
      invertedDropout: draft.invertedDropout,
    },
    optimizer: {
      type: draft.optimizer,
      lr: numeric(draft.lr),
      ...(draft.optimizer === 'momentum' || draft.optimizer === 'nesterov' ? { momentum: numeric(draft.momentum) } : {}),
      ...(draft.optimizer === 'rmsprop' ? { decayRate: numeric(draft.decayRate) } : {}),
      ...(draft.optimizer === 'adam' ? { beta1: numeric(draft.beta1), beta2: numeric(draft.beta2) } : {}),
    },
    training: {
      ...training,
      batchSize: numeric(draft.batchSize),
      ...(draft.lengthKind === 'iterations' ? { iterations: numeric(draft.iterations) } : { epochs: numeric(draft.epochs) }),
      evaluateEvery: draft.evaluateEvery.trim() === 'epoch' ? 'epoch' : numeric(draft.evaluateEvery),
      ...(draft.evaluationSamples.trim() ? { evaluationSamples: numeric(draft.evaluationSamples) } : {}),
    },
    seed: numeric(draft.seed),
    dtype: draft.dtype,
    backend: draft.backend,
  };
}

export interface DraftValidation {
  readonly config: TrainConfig | undefined;
  /** Field path (e.g. "training.batchSize", "network.hiddenSizes.1") to its message. */
  readonly errors: Readonly<Record<string, string>>;
}

/** Why the draft's layer list cannot be trained as typed, before the schema sees it; undefined in the MLP mode or when it fits. */
function layerListProblem(draft: ConfigDraft): string | undefined {
  if (draft.networkKind !== 'layers') return undefined;
  if (draft.layerListEntryErrors > 0) return `${draft.layerListEntryErrors === 1 ? 'A number' : `${draft.layerListEntryErrors} numbers`} in the layer list ${draft.layerListEntryErrors === 1 ? 'is' : 'are'} not valid`;
  return describeLayers(draft.layerList).problem;
}

export function validateDraft(draft: ConfigDraft): DraftValidation {
  const result = safeParseTrainConfig(configInputFromDraft(draft));
  const problem = layerListProblem(draft);
  if (result.ok && !problem) return { config: result.config, errors: {} };
  const errors: Record<string, string> = problem ? { 'network.layers': problem } : {};
  if (!result.ok) for (const issue of result.issues) errors[issue.field] ??= issue.message;
  return { config: undefined, errors };
}
