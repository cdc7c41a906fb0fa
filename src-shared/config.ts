import { z } from 'zod';
import type { DType } from '../src-engine/backend';
import { schemaFor } from './exact-schema';

/**
 * The one network + training configuration of the workbench, shared by the CLI, the trainer process and the
 * UI. Defaults reproduce the book's ch5 training run (train_neuralnet.py).
 */

const lowercase = (value: unknown): unknown => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export const activationSchema = z.preprocess(lowercase, z.enum(['relu', 'sigmoid']));
export type Activation = z.infer<typeof activationSchema>;

/** A number is the std of the Gaussian; 'he'/'relu' gives sqrt(2/fan_in); 'xavier'/'sigmoid' sqrt(1/fan_in). */
export const weightInitSchema = z.union([
  z.number().finite().positive({ message: 'must be a positive standard deviation or one of he, relu, xavier, sigmoid' }),
  z.preprocess(lowercase, z.enum(['he', 'relu', 'xavier', 'sigmoid'])),
]);
export type WeightInit = z.infer<typeof weightInitSchema>;

export const networkSchema = z
  .object({
    inputSize: z.number().int().min(1).max(1_000_000).default(784),
    hiddenSizes: z.array(z.number().int().min(1).max(8192)).max(32).default([50]),
    outputSize: z.number().int().min(2).max(100_000).default(10),
    activation: activationSchema.default('relu'),
    weightInit: weightInitSchema.default(0.01),
    /** L2 weight decay lambda: loss += 0.5*lambda*sum(W^2) over weights (not biases). */
    weightDecay: z.number().finite().min(0).default(0),
    /** MultiLayerNetExtend: a BatchNormalization after every hidden Affine (momentum 0.9, eps 1e-6). */
    batchNorm: z.boolean().default(false),
    /** Dropout ratio after every hidden activation; 0 turns dropout off. */
    dropout: z.number().finite().min(0).lt(1, { message: 'must be below 1' }).default(0),
    /** Inverted dropout (scale kept units by 1/(1-ratio) while training) instead of the book's (scale by 1-ratio at inference). */
    invertedDropout: z.boolean().default(false),
    /** The 1e-7 added inside the log of the cross-entropy; 0 turns it off (exact gradient checks). */
    lossDelta: z.number().finite().min(0).max(1e-2).default(1e-7),
  })
  .strict();
export type NetworkConfig = z.infer<typeof networkSchema>;

const learningRate = (fallback: number) => z.number().finite().positive().max(100).default(fallback);
const fraction = (fallback: number) => z.number().finite().min(0).lt(1, { message: 'must be below 1' }).default(fallback);

/** The book's optimizers with its defaults (common/optimizer.py); SGD's 0.1 is the ch5 script's rate. */
export const optimizerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sgd'), lr: learningRate(0.1) }).strict(),
  z.object({ type: z.literal('momentum'), lr: learningRate(0.01), momentum: fraction(0.9) }).strict(),
  z.object({ type: z.literal('nesterov'), lr: learningRate(0.01), momentum: fraction(0.9) }).strict(),
  z.object({ type: z.literal('adagrad'), lr: learningRate(0.01) }).strict(),
  z.object({ type: z.literal('rmsprop'), lr: learningRate(0.01), decayRate: fraction(0.99) }).strict(),
  z.object({ type: z.literal('adam'), lr: learningRate(0.001), beta1: fraction(0.9), beta2: fraction(0.999) }).strict(),
]);
export const OPTIMIZER_TYPES = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'] as const;
export type OptimizerType = (typeof OPTIMIZER_TYPES)[number];
export type OptimizerConfig = z.infer<typeof optimizerSchema>;

export const datasetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('mnist') }).strict(),
  z.object({ kind: z.literal('idx'), path: z.string().min(1, 'must name a directory of IDX files') }).strict(),
]);
export type DatasetConfig = z.infer<typeof datasetSchema>;

export const dtypeSchema = schemaFor<DType>()(z.enum(['float32', 'float64']));

export const trainingSchema = z
  .object({
    batchSize: z.number().int().min(1).max(100_000).default(100),
    /** Number of parameter updates; exclusive with epochs. Default 10000 when neither is given. */
    iterations: z.number().int().min(1).max(100_000_000).optional(),
    /** Epochs of train_size / batch_size updates each; exclusive with iterations. */
    epochs: z.number().finite().positive().max(1_000_000).optional(),
    /** 'epoch' evaluates whenever iteration % (train_size / batch_size) == 0, like the book; or every N. */
    evaluateEvery: z.union([z.literal('epoch'), z.number().int().min(1)]).default('epoch'),
    /** Evaluate accuracy on the first N samples of each split only (the ch6 Trainer option); all when absent. */
    evaluationSamples: z.number().int().min(1).optional(),
    /** 'replacement' draws each batch independently (the book); 'shuffle' walks shuffled epochs. */
    sampling: z.enum(['replacement', 'shuffle']).default('replacement'),
    /** Train on the first N training samples only (the ch6 experiments use 300, 500 or 1000). */
    trainSubset: z.number().int().min(1).optional(),
    /**
     * Hyperparameter search (section 6.5.3): shuffle the training samples (the first trainSubset of them) and
     * hold out this fraction as the validation set, which then takes the test set's place in evaluations.
     */
    validationFraction: z.number().finite().min(0).max(0.9).default(0),
    /** The book records each batch's loss after the update, which costs one more forward pass. */
    recordLoss: z.enum(['after-update', 'before-update']).default('after-update'),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.iterations !== undefined && value.epochs !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['epochs'], message: 'give iterations or epochs, not both' });
    }
  });
export type TrainingConfig = z.infer<typeof trainingSchema>;

export const trainConfigSchema = z
  .object({
    name: z.string().max(200).optional(),
    dataset: datasetSchema.default({ kind: 'mnist' }),
    network: networkSchema.default(() => networkSchema.parse({})),
    optimizer: optimizerSchema.default({ type: 'sgd', lr: 0.1 }),
    training: trainingSchema.default(() => trainingSchema.parse({})),
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    dtype: dtypeSchema.default('float32'),
    backend: z.enum(['auto', 'native', 'ts']).default('auto'),
  })
  .strict();
export type TrainConfig = z.infer<typeof trainConfigSchema>;
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

export function safeParseTrainConfig(input: unknown): ParseResult {
  const result = trainConfigSchema.safeParse(input ?? {});
  return result.success ? { ok: true, config: result.data } : { ok: false, issues: configIssues(result.error) };
}

/** Parses and fills defaults; throws ConfigError with field-level messages. */
export function parseTrainConfig(input: unknown, source?: string): TrainConfig {
  const result = safeParseTrainConfig(input);
  if (!result.ok) throw new ConfigError(result.issues, source);
  return result.config;
}

/** Updates per run: the explicit count, or epochs x (train size / batch), or the book's 10000. */
export function totalIterations(training: TrainingConfig, trainSize: number): number {
  if (training.iterations !== undefined) return training.iterations;
  if (training.epochs !== undefined) return Math.max(1, Math.floor(training.epochs * iterationsPerEpoch(training, trainSize)));
  return 10000;
}

/** The book's iter_per_epoch = max(train_size / batch_size, 1), a float. */
export function iterationsPerEpoch(training: TrainingConfig, trainSize: number): number {
  return Math.max(trainSize / training.batchSize, 1);
}
