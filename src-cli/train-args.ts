import { ConfigError, parseTrainConfig, type TrainConfig } from '../src-shared/config';
import type { InputFormat } from '../src-engine/training/split-images';
import { FileRefusal, MAX_CONFIG_FILE_BYTES, readBoundedText } from '../src-services/limits/bounded-file';
import { checkExportTarget, checkRunsDirectory } from './export-target';
import { flagChoice, flagNumber, FlagError, parseFlags, type FlagKind } from './flag-values';

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
  --iterations N | --epochs E  one of the two (either replaces the other one of a --config file)
  --evaluate-every N|epoch (default epoch)
  --evaluation-samples N   evaluate on the first N samples of each split
  --train-subset N         train on the first N training samples
  --sampling replacement|shuffle
  --loss-delta D           the 1e-7 inside the cross-entropy log (0 turns it off)
  --record-loss after-update|before-update
  --seed N  --dtype float32|float64  --backend auto|native|wasm|ts
  --input auto|sparse|dense  first-layer input: only nonzero pixels (sparse), the full x_batch (dense),
                           or sparse when under 40 % of the pixels are nonzero (auto, default: MNIST yes)
  --runs-dir DIR           the run store (default: the desktop app's, ~/.config/Backprop Workbench/runs on Linux)
  --no-save                do not store this run
  --name NAME              the run's name in the store
  --export FILE.onnx       export the trained network to ONNX, validated by onnxruntime on the test set
                           (its folder is checked for writing before training starts)
  --memory-budget SIZE     the most this run may use, e.g. 8GB, 512MiB or 75% (default: half of the RAM,
                           or BACKPROP_MEMORY_BUDGET); a bigger network is refused before anything is allocated
  --json                   print a JSON summary on stdout (progress goes to stderr)
  -h, --help

Ctrl+C (or SIGTERM) stops between two steps: the run is stored as "stopped" with a checkpoint and can be
continued; a second Ctrl+C quits at once. Exit codes: 0 done, 1 failed or diverged, 2 bad input, 130 stopped.
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
  /** --memory-budget as given (undefined: the machine's default). */
  readonly memoryBudget: string | undefined;
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
  'memory-budget': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Json = Record<string, unknown>;
type Flag = keyof typeof flagSpec;

/** What each numeric flag takes, checked in words before the schema sees the value. */
const NUMERIC_FLAGS = {
  'weight-decay': 'non-negative',
  dropout: 'fraction',
  'loss-delta': 'non-negative',
  lr: 'positive',
  momentum: 'fraction',
  'decay-rate': 'fraction',
  beta1: 'fraction',
  beta2: 'fraction',
  'batch-size': 'positive integer',
  iterations: 'positive integer',
  epochs: 'positive',
  'evaluation-samples': 'positive integer',
  'train-subset': 'positive integer',
  seed: 'non-negative integer',
} as const satisfies Partial<Record<Flag, FlagKind>>;
type NumericFlag = keyof typeof NUMERIC_FLAGS;

/** Flags that take one of a few names, checked (with "did you mean") before the schema sees them. */
const CHOICE_FLAGS = {
  activation: ['relu', 'sigmoid'],
  optimizer: ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'],
  sampling: ['replacement', 'shuffle'],
  'record-loss': ['after-update', 'before-update'],
  dtype: ['float32', 'float64'],
  backend: ['auto', 'native', 'wasm', 'ts'],
} as const satisfies Partial<Record<Flag, readonly string[]>>;
type ChoiceFlag = keyof typeof CHOICE_FLAGS;
const INIT_NAMES = ['he', 'relu', 'xavier', 'sigmoid'] as const;

/** Flags that contradict each other: refused rather than one silently winning. */
function refuseConflicts(flags: Partial<Record<Flag, string | boolean>>): void {
  const both = (a: Flag, b: Flag, why: string): void => {
    if (flags[a] !== undefined && flags[a] !== false && flags[b] !== undefined && flags[b] !== false) throw new FlagError(`--${a} and --${b} cannot be used together: ${why}`);
  };
  both('iterations', 'epochs', `give the run's length one way (got --iterations ${String(flags.iterations)} and --epochs ${String(flags.epochs)})`);
  both('no-save', 'runs-dir', 'a run that is not saved has no run store');
  both('no-save', 'name', 'a run that is not saved has no name in the store');
}

/** The config field each flag sets, to name the flag when the schema refuses its value (e.g. above a maximum). */
const FLAG_FIELDS: Partial<Record<Flag, string>> = {
  dataset: 'dataset',
  hidden: 'network.hiddenSizes',
  activation: 'network.activation',
  init: 'network.weightInit',
  'weight-decay': 'network.weightDecay',
  dropout: 'network.dropout',
  'loss-delta': 'network.lossDelta',
  optimizer: 'optimizer.type',
  lr: 'optimizer.lr',
  momentum: 'optimizer.momentum',
  'decay-rate': 'optimizer.decayRate',
  beta1: 'optimizer.beta1',
  beta2: 'optimizer.beta2',
  'batch-size': 'training.batchSize',
  iterations: 'training.iterations',
  epochs: 'training.epochs',
  'evaluate-every': 'training.evaluateEvery',
  'evaluation-samples': 'training.evaluationSamples',
  'train-subset': 'training.trainSubset',
  sampling: 'training.sampling',
  'record-loss': 'training.recordLoss',
  seed: 'seed',
  dtype: 'dtype',
  backend: 'backend',
  name: 'name',
};

/** A flag's value that names a number: a weight init std, one of evaluateEvery's forms. */
const looksNumeric = (text: string): boolean => /^\s*[-+]?(\d|\.\d|Infinity)/.test(text);

function section(target: Json, key: string): Json {
  const existing = target[key];
  if (existing && typeof existing === 'object' && !Array.isArray(existing)) return existing as Json;
  const created: Json = {};
  target[key] = created;
  return created;
}

/** The schema's refusal of a value a flag gave, named by the flag as well as by its field. */
function namedByFlags(error: ConfigError, given: ReadonlySet<Flag>, source: string | undefined): ConfigError {
  const flagOf = new Map(Object.entries(FLAG_FIELDS).flatMap(([flag, field]) => (given.has(flag as Flag) ? [[field, flag]] : [])));
  const issues = error.issues.map((issue) => {
    const flag = flagOf.get(issue.field) ?? flagOf.get(issue.field.split('.').slice(0, 2).join('.'));
    return flag ? { field: `--${flag} (${issue.field})`, message: issue.message } : issue;
  });
  return new ConfigError(issues, source);
}

/** Flags that shape the MLP only: a layer-list network (network.layers) says the same in its list. */
const MLP_ONLY_FLAGS = ['hidden', 'activation', 'batch-norm', 'dropout', 'inverted-dropout'] as const satisfies readonly Flag[];

/**
 * A layer-list network (a config with network.layers) takes --init, --weight-decay and --loss-delta as the
 * MLP does; the flags that build an MLP's hidden layers are refused rather than silently ignored.
 */
function refuseMlpFlags(input: Json, given: ReadonlySet<Flag>, source: string | undefined): void {
  const network = input.network;
  if (!network || typeof network !== 'object' || Array.isArray(network) || !('layers' in network)) return;
  const flag = MLP_ONLY_FLAGS.find((f) => given.has(f));
  if (flag) throw new FlagError(`--${flag} shapes an MLP's hidden layers, but ${source ?? 'the config'} has a layer-list network (network.layers): change its layers instead`);
}

/** --init's names: he (= relu) or xavier (= sigmoid); a number is a std. */
function initName(text: string): string {
  try {
    return flagChoice('init', text, INIT_NAMES);
  } catch (error) {
    throw error instanceof FlagError ? new FlagError(error.message.replace('--init must be', '--init must be a std such as 0.01, or')) : error;
  }
}

/** --evaluate-every: "epoch" or a number of iterations. */
function evaluateEvery(text: string): number | 'epoch' {
  if (text.trim().toLowerCase() === 'epoch') return 'epoch';
  if (!looksNumeric(text)) throw new FlagError(`--evaluate-every must be "epoch" or a number of iterations, got "${text}"`);
  return flagNumber('evaluate-every', text, 'positive integer');
}

export async function parseTrainArgs(argv: readonly string[]): Promise<TrainCliOptions> {
  const flags = parseFlags(argv, flagSpec, (message) => new FlagError(message));
  const given = new Set(Object.keys(flags) as Flag[]);
  const inputFormat = flags.input === undefined ? 'auto' : flagChoice('input', flags.input, INPUT_FORMATS);
  refuseConflicts(flags);
  const choices = Object.fromEntries(
    (Object.keys(CHOICE_FLAGS) as ChoiceFlag[]).map((flag) => {
      const text = flags[flag];
      return [flag, text === undefined ? undefined : flagChoice(flag, text, CHOICE_FLAGS[flag])];
    }),
  ) as { [F in ChoiceFlag]: (typeof CHOICE_FLAGS)[F][number] | undefined };
  const number = (flag: NumericFlag): number | undefined => {
    const text = flags[flag];
    return text === undefined ? undefined : flagNumber(flag, text, NUMERIC_FLAGS[flag]);
  };
  const numbers = Object.fromEntries((Object.keys(NUMERIC_FLAGS) as NumericFlag[]).map((flag) => [flag, number(flag)])) as Record<NumericFlag, number | undefined>;
  let input: Json = {};
  let source: string | undefined;
  if (flags.config) {
    source = flags.config;
    let text: string;
    try {
      text = await readBoundedText(flags.config, MAX_CONFIG_FILE_BYTES);
    } catch (error) {
      const problem = error instanceof FileRefusal ? error.reason : (error as Error).message;
      throw new ConfigError([{ field: '(file)', message: `cannot read ${flags.config}: ${problem}` }]);
    }
    try {
      const value: unknown = JSON.parse(text);
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('the top level must be an object');
      input = value as Json;
    } catch (error) {
      throw new ConfigError([{ field: '(file)', message: `${flags.config} is not valid JSON: ${(error as Error).message}` }]);
    }
  }
  refuseMlpFlags(input, given, source);
  const network = (): Json => section(input, 'network');
  const training = (): Json => section(input, 'training');
  if (flags.dataset !== undefined) input.dataset = flags.dataset === 'mnist' ? { kind: 'mnist' } : { kind: 'idx', path: flags.dataset };
  if (flags.hidden !== undefined) {
    network().hiddenSizes = flags.hidden.trim() === '' ? [] : flags.hidden.split(',').map((s) => flagNumber('hidden', s.trim(), 'positive integer'));
  }
  if (choices.activation !== undefined) network().activation = choices.activation;
  if (flags.init !== undefined) network().weightInit = looksNumeric(flags.init) ? flagNumber('init', flags.init, 'positive') : initName(flags.init);
  if (numbers['weight-decay'] !== undefined) network().weightDecay = numbers['weight-decay'];
  if (flags['batch-norm']) network().batchNorm = true;
  if (numbers.dropout !== undefined) network().dropout = numbers.dropout;
  if (flags['inverted-dropout']) network().invertedDropout = true;
  if (numbers['loss-delta'] !== undefined) network().lossDelta = numbers['loss-delta'];
  const optimizerFlags: Array<[number | undefined, string]> = [
    [numbers.lr, 'lr'],
    [numbers.momentum, 'momentum'],
    [numbers['decay-rate'], 'decayRate'],
    [numbers.beta1, 'beta1'],
    [numbers.beta2, 'beta2'],
  ];
  if (flags.optimizer !== undefined || optimizerFlags.some(([value]) => value !== undefined)) {
    const optimizer = section(input, 'optimizer');
    // Another optimizer from the command line starts from its own defaults, not the file's other rule.
    if (choices.optimizer !== undefined && optimizer.type !== choices.optimizer) {
      for (const key of Object.keys(optimizer)) delete optimizer[key];
    }
    optimizer.type = choices.optimizer ?? optimizer.type ?? 'sgd';
    for (const [value, key] of optimizerFlags) if (value !== undefined) optimizer[key] = value;
  }
  if (numbers['batch-size'] !== undefined) training().batchSize = numbers['batch-size'];
  // Either length flag replaces the other of a config file (a file + flag override, not a conflict).
  if (numbers.iterations !== undefined) {
    training().iterations = numbers.iterations;
    delete training().epochs;
  }
  if (numbers.epochs !== undefined) {
    training().epochs = numbers.epochs;
    delete training().iterations;
  }
  const every = flags['evaluate-every'];
  if (every !== undefined) training().evaluateEvery = evaluateEvery(every);
  if (numbers['evaluation-samples'] !== undefined) training().evaluationSamples = numbers['evaluation-samples'];
  if (numbers['train-subset'] !== undefined) training().trainSubset = numbers['train-subset'];
  if (choices.sampling !== undefined) training().sampling = choices.sampling;
  if (choices['record-loss'] !== undefined) training().recordLoss = choices['record-loss'];
  if (numbers.seed !== undefined) input.seed = numbers.seed;
  if (choices.dtype !== undefined) input.dtype = choices.dtype;
  if (choices.backend !== undefined) input.backend = choices.backend;
  if (flags.name !== undefined) input.name = flags.name;
  let config: TrainConfig;
  try {
    config = parseTrainConfig(input, source);
  } catch (error) {
    throw error instanceof ConfigError ? namedByFlags(error, given, source) : error;
  }
  if (flags.export !== undefined) await checkExportTarget(flags.export);
  if (flags['runs-dir'] !== undefined) await checkRunsDirectory(flags['runs-dir']);
  return {
    config,
    json: flags.json ?? false,
    help: flags.help ?? false,
    runsDirectory: flags['runs-dir'],
    save: !(flags['no-save'] ?? false),
    exportPath: flags.export,
    input: inputFormat,
    memoryBudget: flags['memory-budget'],
  };
}
