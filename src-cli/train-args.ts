import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, parseTrainConfig, type TrainConfig } from '../src-shared/config';
import type { InputFormat } from '../src-engine/training/split-images';

/** Flags of `npm run train`; each maps onto one field of the shared config schema. */
export const TRAIN_USAGE = `Usage: npm run train -- [options]

Runs the book's ch5 training (784-50-10, std 0.01, SGD lr 0.1, batch 100, 10000 iterations,
accuracy every epoch) unless options or a config file say otherwise.

  --config FILE            JSON config (the shared schema); flags below override it
  --dataset DIR            any IDX directory (default: the bundled MNIST)
  --hidden 100,100         hidden layer sizes (empty string: no hidden layer)
  --activation relu|sigmoid
  --init 0.01|he|xavier    weight init: a std, or he/relu, xavier/sigmoid
  --weight-decay L         L2 lambda (default 0)
  --batch-norm             BatchNormalization after each hidden Affine (MultiLayerNetExtend)
  --dropout R              dropout ratio after each hidden activation (default 0: off)
  --inverted-dropout       scale kept units while training instead of at inference
  --optimizer NAME         sgd (default), momentum, nesterov, adagrad, rmsprop, adam
  --lr R                   learning rate (default: sgd 0.1, adam 0.001, the others 0.01)
  --momentum A             momentum / nesterov (default 0.9)
  --decay-rate R           rmsprop (default 0.99)
  --beta1 B --beta2 B      adam (defaults 0.9, 0.999)
  --batch-size N           (default 100)
  --iterations N | --epochs E
  --evaluate-every N|epoch (default epoch)
  --evaluation-samples N   evaluate on the first N samples of each split
  --train-subset N         train on the first N training samples
  --sampling replacement|shuffle
  --loss-delta D           the 1e-7 inside the cross-entropy log (0 turns it off)
  --record-loss after-update|before-update
  --seed N  --dtype float32|float64  --backend auto|native|ts
  --input auto|sparse|dense  first-layer input: only nonzero pixels (sparse), the full x_batch (dense),
                           or sparse when under 40 % of the pixels are nonzero (auto, default: MNIST yes)
  --runs-dir DIR           the run store (default: the desktop app's, ~/.config/Backprop Workbench/runs on Linux)
  --no-save                do not store this run
  --name NAME              the run's name in the store
  --export FILE.onnx       export the trained network to ONNX, validated by onnxruntime on the test set
  --json                   print a JSON summary on stdout (progress goes to stderr)
  -h, --help
`;

export interface TrainCliOptions {
  readonly config: TrainConfig;
  readonly json: boolean;
  readonly help: boolean;
  /** undefined: the default store. */
  readonly runsDirectory: string | undefined;
  readonly save: boolean;
  /** Where to write the validated ONNX export, if asked. */
  readonly exportPath: string | undefined;
  /** How batches reach the first layer (a speed choice; the results agree up to float rounding). */
  readonly input: InputFormat;
}

const INPUT_FORMATS: readonly InputFormat[] = ['auto', 'sparse', 'dense'];

const flagSpec = {
  config: { type: 'string' },
  input: { type: 'string' },
  dataset: { type: 'string' },
  hidden: { type: 'string' },
  activation: { type: 'string' },
  init: { type: 'string' },
  'weight-decay': { type: 'string' },
  'batch-norm': { type: 'boolean' },
  dropout: { type: 'string' },
  'inverted-dropout': { type: 'boolean' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  momentum: { type: 'string' },
  'decay-rate': { type: 'string' },
  beta1: { type: 'string' },
  beta2: { type: 'string' },
  'batch-size': { type: 'string' },
  iterations: { type: 'string' },
  epochs: { type: 'string' },
  'evaluate-every': { type: 'string' },
  'evaluation-samples': { type: 'string' },
  'train-subset': { type: 'string' },
  sampling: { type: 'string' },
  'loss-delta': { type: 'string' },
  'record-loss': { type: 'string' },
  seed: { type: 'string' },
  dtype: { type: 'string' },
  backend: { type: 'string' },
  name: { type: 'string' },
  'runs-dir': { type: 'string' },
  'no-save': { type: 'boolean' },
  json: { type: 'boolean' },
  export: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Json = Record<string, unknown>;

/** A numeric flag stays a string when it is not a number, so the schema reports it at its field. */
function numberOrText(text: string): number | string {
  const value = Number(text);
  return text.trim() !== '' && Number.isFinite(value) ? value : text;
}

function section(target: Json, key: string): Json {
  const existing = target[key];
  if (existing && typeof existing === 'object' && !Array.isArray(existing)) return existing as Json;
  const created: Json = {};
  target[key] = created;
  return created;
}

export async function parseTrainArgs(argv: readonly string[]): Promise<TrainCliOptions> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: flagSpec, allowPositionals: false, strict: true });
  } catch (error) {
    throw new ConfigError([{ field: '(arguments)', message: (error as Error).message }]);
  }
  const flags = parsed.values;
  const inputFormat = (flags.input ?? 'auto') as InputFormat;
  if (!INPUT_FORMATS.includes(inputFormat)) {
    throw new ConfigError([{ field: '--input', message: `must be auto, sparse or dense, got "${flags.input}"` }]);
  }
  let input: Json = {};
  let source: string | undefined;
  if (flags.config) {
    source = flags.config;
    let text: string;
    try {
      text = await readFile(flags.config, 'utf8');
    } catch (error) {
      throw new ConfigError([{ field: '(file)', message: `cannot read ${flags.config}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }]);
    }
    try {
      const value: unknown = JSON.parse(text);
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('the top level must be an object');
      input = value as Json;
    } catch (error) {
      throw new ConfigError([{ field: '(file)', message: `${flags.config} is not valid JSON: ${(error as Error).message}` }]);
    }
  }
  const network = (): Json => section(input, 'network');
  const training = (): Json => section(input, 'training');
  if (flags.dataset !== undefined) input.dataset = flags.dataset === 'mnist' ? { kind: 'mnist' } : { kind: 'idx', path: flags.dataset };
  if (flags.hidden !== undefined) {
    network().hiddenSizes = flags.hidden.trim() === '' ? [] : flags.hidden.split(',').map((s) => numberOrText(s.trim()));
  }
  if (flags.activation !== undefined) network().activation = flags.activation;
  if (flags.init !== undefined) network().weightInit = numberOrText(flags.init);
  if (flags['weight-decay'] !== undefined) network().weightDecay = numberOrText(flags['weight-decay']);
  if (flags['batch-norm']) network().batchNorm = true;
  if (flags.dropout !== undefined) network().dropout = numberOrText(flags.dropout);
  if (flags['inverted-dropout']) network().invertedDropout = true;
  if (flags['loss-delta'] !== undefined) network().lossDelta = numberOrText(flags['loss-delta']);
  const optimizerFlags: Array<[string | undefined, string]> = [
    [flags.lr, 'lr'],
    [flags.momentum, 'momentum'],
    [flags['decay-rate'], 'decayRate'],
    [flags.beta1, 'beta1'],
    [flags.beta2, 'beta2'],
  ];
  if (flags.optimizer !== undefined || optimizerFlags.some(([value]) => value !== undefined)) {
    const optimizer = section(input, 'optimizer');
    // Another optimizer from the command line starts from its own defaults, not the file's other rule.
    if (flags.optimizer !== undefined && optimizer.type !== flags.optimizer.toLowerCase()) {
      for (const key of Object.keys(optimizer)) delete optimizer[key];
    }
    optimizer.type = flags.optimizer?.toLowerCase() ?? optimizer.type ?? 'sgd';
    for (const [value, key] of optimizerFlags) if (value !== undefined) optimizer[key] = numberOrText(value);
  }
  if (flags['batch-size'] !== undefined) training().batchSize = numberOrText(flags['batch-size']);
  if (flags.iterations !== undefined) {
    training().iterations = numberOrText(flags.iterations);
    delete training().epochs;
  }
  if (flags.epochs !== undefined) {
    training().epochs = numberOrText(flags.epochs);
    delete training().iterations;
  }
  if (flags['evaluate-every'] !== undefined) {
    training().evaluateEvery = flags['evaluate-every'] === 'epoch' ? 'epoch' : numberOrText(flags['evaluate-every']);
  }
  if (flags['evaluation-samples'] !== undefined) training().evaluationSamples = numberOrText(flags['evaluation-samples']);
  if (flags['train-subset'] !== undefined) training().trainSubset = numberOrText(flags['train-subset']);
  if (flags.sampling !== undefined) training().sampling = flags.sampling;
  if (flags['record-loss'] !== undefined) training().recordLoss = flags['record-loss'];
  if (flags.seed !== undefined) input.seed = numberOrText(flags.seed);
  if (flags.dtype !== undefined) input.dtype = flags.dtype;
  if (flags.backend !== undefined) input.backend = flags.backend;
  if (flags.name !== undefined) input.name = flags.name;
  return {
    config: parseTrainConfig(input, source),
    json: flags.json ?? false,
    help: flags.help ?? false,
    runsDirectory: flags['runs-dir'],
    save: !(flags['no-save'] ?? false),
    exportPath: flags.export,
    input: inputFormat,
  };
}
