import { z } from 'zod';
import type { DType } from '../src-engine/backend';
import { schemaFor, type Assert, type SameShape } from './exact-schema';
import { LAYER_LIST_LIMITS, MAX_AFFINE_LAYERS, MAX_HIDDEN_LAYERS } from './limits';
import { layerListParameterCount } from '../src-engine/networks/layer-list-memory';
import { layerShapes, type LayerListSpec, type LayerSpec } from '../src-engine/networks/layer-list-spec';
import { DEFAULT_NETWORK, type NetworkSpec } from '../src-engine/networks/network-spec';
import type { AnyNetworkSpec } from '../src-engine/networks/trainable-network';
import { OPTIMIZER_DEFAULTS, type OptimizerSpec } from '../src-engine/optimizers';
import { DEFAULT_TRAINING, type TrainingSchedule, type TrainSpec } from '../src-engine/training/train-spec';


/**
 * The one network + training configuration of the workbench, shared by the CLI, the trainer process and the
 * UI. Defaults reproduce the book's ch5 training run (train_neuralnet.py).
 * The engine declares the shapes (NetworkSpec, OptimizerSpec, TrainingSchedule) and the book's defaults;
 * the schemas here validate user input into exactly those types.
 */

const lowercase = (value: unknown): unknown => (typeof value === 'string' ? value.trim().toLowerCase() : value);

const activationSchema = z.preprocess(lowercase, z.enum(['relu', 'sigmoid']));

/** A number is the std of the Gaussian; 'he'/'relu' gives sqrt(2/fan_in); 'xavier'/'sigmoid' sqrt(1/fan_in). */
const weightInitSchema = z.union([
  z.number().finite().positive({ message: 'Must be a positive standard deviation or one of he, relu, xavier, sigmoid' }),
  z.preprocess(lowercase, z.enum(['he', 'relu', 'xavier', 'sigmoid'])),
], { error: 'Must be a positive standard deviation or one of he, relu, xavier, sigmoid' });

const networkSchema = z
  .object({
    inputSize: z.number().int().min(1).max(1_000_000).default(DEFAULT_NETWORK.inputSize),
    hiddenSizes: z.array(z.number().int().min(1).max(8192)).max(MAX_HIDDEN_LAYERS).default(() => [...DEFAULT_NETWORK.hiddenSizes]),
    outputSize: z.number().int().min(2).max(100_000).default(DEFAULT_NETWORK.outputSize),
    activation: activationSchema.default(DEFAULT_NETWORK.activation),
    weightInit: weightInitSchema.default(DEFAULT_NETWORK.weightInit),
    /** L2 weight decay lambda: loss += 0.5*lambda*sum(W^2) over weights (not biases). */
    weightDecay: z.number().finite().min(0).default(DEFAULT_NETWORK.weightDecay),
    /** MultiLayerNetExtend: a BatchNormalization after every hidden Affine (momentum 0.9, eps 1e-6). */
    batchNorm: z.boolean().default(DEFAULT_NETWORK.batchNorm),
    /** Dropout ratio after every hidden activation; 0 turns dropout off. */
    dropout: z.number().finite().min(0).lt(1, { message: 'Must be below 1' }).default(DEFAULT_NETWORK.dropout),
    /** Inverted dropout (scale kept units by 1/(1-ratio) while training) instead of the book's (scale by 1-ratio at inference). */
    invertedDropout: z.boolean().default(DEFAULT_NETWORK.invertedDropout),
    /** The 1e-7 added inside the log of the cross-entropy; 0 turns it off (exact gradient checks). */
    lossDelta: z.number().finite().min(0).max(1e-2).default(DEFAULT_NETWORK.lossDelta),
  })
  .strict();
type NetworkSchemaMatches = Assert<SameShape<z.output<typeof networkSchema>, NetworkSpec>>;

const whole = (min: number, max: number) => z.number().int().min(min).max(max);
const L = LAYER_LIST_LIMITS;

/** One entry of network.layers (the engine's LayerSpec): conv stride 1 and pad 0, pool 2x2 stride 2, dropout 0.5 unless given. */
const layerSchema = schemaFor<LayerSpec>()(
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('conv'), filters: whole(1, L.maxFilters), size: whole(1, L.maxWindow), stride: whole(1, L.maxStride).default(1), pad: whole(0, L.maxPad).default(0) }).strict(),
    z.object({ type: z.literal('pool'), size: whole(1, L.maxWindow).default(2), stride: whole(1, L.maxStride).default(2) }).strict(),
    z.object({ type: z.literal('affine'), units: whole(1, L.maxUnits) }).strict(),
    z.object({ type: z.literal('relu') }).strict(),
    z.object({ type: z.literal('sigmoid') }).strict(),
    z.object({ type: z.literal('batchnorm') }).strict(),
    z.object({ type: z.literal('dropout'), ratio: z.number().finite().min(0).lt(1, { message: 'Must be below 1' }).default(0.5) }).strict(),
  ], { error: 'Must be a layer: type one of conv, pool, affine, relu, sigmoid, batchnorm, dropout' }),
);

/** "layers[3] (pool 5x5): its window ..." or "layers[1] (conv ...) needs images ..." from layerShapes: the index and the words after the layer's name. */
const LAYER_MESSAGE = /^layers\[(\d+)\] \([^)]*\):? (.*)$/s;

/**
 * A layer-list network (chapter 7's and 8's convolutional networks; told apart from the MLP by `layers`):
 * its fields (the shapes are checked by layerListIssues once they are valid).
 */
const layerListNetworkSchema = z
  .object({
    input: z.tuple([whole(1, L.maxChannels), whole(1, L.maxImageSide), whole(1, L.maxImageSide)]).default([1, 28, 28]),
    layers: z.array(layerSchema).min(1).max(L.maxLayers),
    output: z.number().int().min(2).max(100_000).default(DEFAULT_NETWORK.outputSize),
    weightInit: weightInitSchema.default(DEFAULT_NETWORK.weightInit),
    /** L2 weight decay lambda over every conv and affine W; 0 when absent. */
    weightDecay: z.number().finite().min(0).optional(),
    /** The 1e-7 inside the cross-entropy's log when absent; 0 turns it off. */
    lossDelta: z.number().finite().min(0).max(1e-2).optional(),
  })
  .strict();
type LayerListSchemaMatches = Assert<SameShape<z.output<typeof layerListNetworkSchema>, LayerListSpec>>;

/**
 * What a layer list that passed its schema may still get wrong, as issues: a layer that does not fit the shape
 * the one before gives (layerShapes), no `output` scores at the end, too many weight layers or values.
 */
function layerListIssues(network: LayerListSpec): Array<{ path: Array<string | number>; message: string }> {
  try {
    layerShapes(network);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const layer = LAYER_MESSAGE.exec(message);
    return [layer ? { path: ['layers', Number(layer[1])], message: layer[2]! } : { path: ['layers'], message: message.charAt(0).toUpperCase() + message.slice(1) }];
  }
  const issues: Array<{ path: Array<string | number>; message: string }> = [];
  const weightLayers = network.layers.filter((layer) => layer.type === 'conv' || layer.type === 'affine').length;
  if (weightLayers > MAX_AFFINE_LAYERS) issues.push({ path: ['layers'], message: `At most ${MAX_AFFINE_LAYERS} conv and affine layers, got ${weightLayers}` });
  const parameters = layerListParameterCount(network);
  if (parameters > L.maxParameters) issues.push({ path: ['layers'], message: `At most ${L.maxParameters.toLocaleString('en-US')} trainable values, this network has ${parameters.toLocaleString('en-US')}` });
  return issues;
}


/** The network of a config: the MLP (network.hiddenSizes ...), or a layer list (network.layers). */
export type NetworkConfig = z.output<typeof networkSchema> | z.output<typeof layerListNetworkSchema>;
/** A config's layer-list network, as the engine's LayerListSpec reads it. */
export type LayerListNetworkConfig = z.output<typeof layerListNetworkSchema>;
type NetworkConfigMatches = Assert<SameShape<NetworkConfig, AnyNetworkSpec>>;

/** Whether a config's network is a layer list (a convolutional network) rather than the MLP. */
export function isLayerListNetwork(network: NetworkConfig): network is LayerListNetworkConfig {
  return 'layers' in network;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `network`: an object with `layers` is a layer list, anything else the MLP (absent: the book's 784-50-10),
 * each validated by its own schema so the messages name that schema's fields.
 */
const networkConfigSchema = z.custom<z.input<typeof networkSchema> | z.input<typeof layerListNetworkSchema>>(() => true).transform((value: unknown, ctx): NetworkConfig => {
  const result = isRecord(value) && 'layers' in value ? layerListNetworkSchema.safeParse(value, { error: plainConfigMessage }) : networkSchema.safeParse(value, { error: plainConfigMessage });
  // The shapes are checked once every field is valid: a layer refused by its own field is not refused twice.
  const issues = result.success ? ('layers' in result.data ? layerListIssues(result.data) : []) : result.error.issues;
  if (result.success && issues.length === 0) return result.data;
  for (const issue of issues) ctx.addIssue({ code: 'custom', path: issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key)), message: issue.message, input: value });
  return z.NEVER;
});

const learningRate = (fallback: number) => z.number().finite().positive().max(100).default(fallback);
const fraction = (fallback: number) => z.number().finite().min(0).lt(1, { message: 'Must be below 1' }).default(fallback);

/** The book's optimizers with the engine's defaults (OPTIMIZER_DEFAULTS: the book's, SGD at the ch5 script's 0.1). */
const { sgd, momentum, nesterov, adagrad, rmsprop, adam } = OPTIMIZER_DEFAULTS;
const optimizerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sgd'), lr: learningRate(sgd.lr) }).strict(),
  z.object({ type: z.literal('momentum'), lr: learningRate(momentum.lr), momentum: fraction(momentum.momentum) }).strict(),
  z.object({ type: z.literal('nesterov'), lr: learningRate(nesterov.lr), momentum: fraction(nesterov.momentum) }).strict(),
  z.object({ type: z.literal('adagrad'), lr: learningRate(adagrad.lr) }).strict(),
  z.object({ type: z.literal('rmsprop'), lr: learningRate(rmsprop.lr), decayRate: fraction(rmsprop.decayRate) }).strict(),
  z.object({ type: z.literal('adam'), lr: learningRate(adam.lr), beta1: fraction(adam.beta1), beta2: fraction(adam.beta2) }).strict(),
]);
type OptimizerSchemaMatches = Assert<SameShape<z.output<typeof optimizerSchema>, OptimizerSpec>>;

export const datasetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('mnist') }).strict(),
  z.object({ kind: z.literal('idx'), path: z.string().min(1, 'Must name a directory of IDX files') }).strict(),
]);
export type DatasetConfig = z.infer<typeof datasetSchema>;

export const dtypeSchema = schemaFor<DType>()(z.enum(['float32', 'float64']));

const trainingSchema = z
  .object({
    batchSize: z.number().int().min(1).max(100_000).default(DEFAULT_TRAINING.batchSize),
    /** Number of parameter updates; exclusive with epochs. Default 10000 when neither is given. */
    iterations: z.number().int().min(1).max(100_000_000).optional(),
    /** Epochs of train_size / batch_size updates each; exclusive with iterations. */
    epochs: z.number().finite().positive().max(1_000_000).optional(),
    /** 'epoch' evaluates whenever iteration % (train_size / batch_size) == 0, like the book; or every N. */
    evaluateEvery: z
      .union([z.literal('epoch'), z.number().int().min(1)], { error: 'Enter "epoch" or a whole number of iterations' })
      .default(DEFAULT_TRAINING.evaluateEvery),
    /** Evaluate accuracy on the first N samples of each split only (the ch6 Trainer option); all when absent. */
    evaluationSamples: z.number().int().min(1).optional(),
    /** 'replacement' draws each batch independently (the book); 'shuffle' walks shuffled epochs. */
    sampling: z.enum(['replacement', 'shuffle']).default(DEFAULT_TRAINING.sampling),
    /** Train on the first N training samples only (the ch6 experiments use 300, 500 or 1000). */
    trainSubset: z.number().int().min(1).optional(),
    /**
     * Hyperparameter search (section 6.5.3): shuffle the training samples (the first trainSubset of them) and
     * hold out this fraction as the validation set, which then takes the test set's place in evaluations.
     */
    validationFraction: z.number().finite().min(0).max(0.9).default(DEFAULT_TRAINING.validationFraction),
    /** The book records each batch's loss after the update, which costs one more forward pass. */
    recordLoss: z.enum(['after-update', 'before-update']).default(DEFAULT_TRAINING.recordLoss),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.iterations !== undefined && value.epochs !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['epochs'], message: 'Give iterations or epochs, not both' });
    }
  });
type TrainingSchemaMatches = Assert<SameShape<z.output<typeof trainingSchema>, TrainingSchedule>>;

export const trainConfigSchema = z
  .object({
    name: z.string().max(200).optional(),
    dataset: datasetSchema.default({ kind: 'mnist' }),
    network: networkConfigSchema.default(() => networkSchema.parse({})),
    optimizer: optimizerSchema.default(() => ({ ...OPTIMIZER_DEFAULTS.sgd })),
    training: trainingSchema.default(() => trainingSchema.parse({})),
    // The range first, stopping there: past it, .int()'s safe-integer bound would only repeat it in other words.
    seed: z.number().min(0).max(0xffffffff, { message: `Too large for a seed: at most ${0xffffffff}`, abort: true }).int().default(0),
    dtype: dtypeSchema.default('float32'),
    backend: z.enum(['auto', 'native', 'wasm', 'ts']).default('auto'),
  })
  .strict();
/** The engine's TrainSpec plus what the app adds: a name, where the data comes from, the backend to use. */
export type TrainConfig = z.infer<typeof trainConfigSchema>;
type TrainConfigMatches = Assert<SameShape<Pick<TrainConfig, keyof TrainSpec>, TrainSpec>>;
/** What a user writes: every field optional. */
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

export interface ConfigIssue {
  /** Dotted path of the field, e.g. "training.batchSize" ("(root)" for the whole object). */
  readonly field: string;
  readonly message: string;
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], source?: string) {
    const where = source ? `${source}: ` : '';
    super(`${where}invalid config: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function configIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join('.') : '(root)',
    message: issue.message,
  }));
}

export type ParseResult = { ok: true; config: TrainConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * The config's messages in plain words, the same in the form, the CLI and the services (zod's own read "Too
 * small: expected number to be >=1"). Messages the schema gives itself (a seed's, a dropout's) come first.
 */
function plainConfigMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const limit = (value: number | bigint | Date): string => String(value);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'Must be a whole number';
      if (issue.expected === 'number') return typeof issue.input === 'number' && !Number.isNaN(issue.input) ? 'Must be a finite number' : 'Enter a number';
      if (issue.input === undefined) return 'Required';
      return issue.expected === 'string' ? 'Enter text' : issue.expected === 'boolean' ? 'Must be true or false' : issue.expected === 'array' ? 'Must be a list' : 'Must be an object';
    case 'too_small':
      if (issue.origin === 'string') return 'Must not be empty';
      if (issue.origin === 'array') return `Needs at least ${limit(issue.minimum)} entries`;
      return issue.inclusive ? `Must be at least ${limit(issue.minimum)}` : `Must be above ${limit(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string') return `At most ${limit(issue.maximum)} characters`;
      if (issue.origin === 'array') return `At most ${limit(issue.maximum)} entries`;
      return issue.inclusive ? `Must be at most ${limit(issue.maximum)}` : `Must be below ${limit(issue.maximum)}`;
    case 'invalid_value':
      return `Must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_union': {
      const options = 'options' in issue && Array.isArray(issue.options) ? issue.options.map(String) : [];
      return options.length > 0 ? `Must be one of ${options.join(', ')}` : 'Not a valid value';
    }
    case 'unrecognized_keys':
      return `Unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
    default:
      return undefined;
  }
}

export function safeParseTrainConfig(input: unknown): ParseResult {
  const result = trainConfigSchema.safeParse(input ?? {}, { error: plainConfigMessage });
  return result.success ? { ok: true, config: result.data } : { ok: false, issues: configIssues(result.error) };
}

/** Parses and fills defaults; throws ConfigError with field-level messages. */
export function parseTrainConfig(input: unknown, source?: string): TrainConfig {
  const result = safeParseTrainConfig(input);
  if (!result.ok) throw new ConfigError(result.issues, source);
  return result.config;
}
