import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src-shared/config';
import { FlagError } from './flag-values';
import { parseTrainArgs } from './train-args';

describe('npm run train flags', () => {
  it('no flags give the book\'s run', async () => {
    const { config, json } = await parseTrainArgs([]);
    expect(config.network).toMatchObject({ hiddenSizes: [50] });
    expect(config.optimizer.lr).toBe(0.1);
    expect(json).toBe(false);
  });

  it('--input picks how batches reach the first layer; anything but auto, sparse or dense is refused by name', async () => {
    expect((await parseTrainArgs([])).input).toBe('auto');
    expect((await parseTrainArgs(['--input', 'dense'])).input).toBe('dense');
    expect((await parseTrainArgs(['--input', 'sparse'])).input).toBe('sparse');
    const error = await parseTrainArgs(['--input', 'csr']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlagError);
    expect((error as FlagError).message).toBe('--input must be auto, sparse or dense, got "csr"');
  });

  it('flags override a config file field by field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bpw-args-'));
    const file = join(dir, 'run.json');
    await writeFile(file, JSON.stringify({ network: { hiddenSizes: [100, 100], activation: 'sigmoid' }, training: { iterations: 50 }, seed: 3 }));
    const { config } = await parseTrainArgs(['--config', file, '--hidden', '20', '--epochs', '2', '--dtype', 'float64', '--init', 'he', '--dataset', '/data/fashion', '--json']);
    expect(config.network).toMatchObject({ hiddenSizes: [20], activation: 'sigmoid', weightInit: 'he' });
    expect(config.training.epochs).toBe(2);
    expect(config.training.iterations).toBeUndefined();
    expect(config.seed).toBe(3);
    expect(config.dtype).toBe('float64');
    expect(config.dataset).toEqual({ kind: 'idx', path: '/data/fashion' });
  });

  it('bad values are named by their flag, in words; bad files and flags are named', async () => {
    await expect(parseTrainArgs(['--batch-size', 'many'])).rejects.toThrow('--batch-size must be a positive integer, got many');
    await expect(parseTrainArgs(['--lr=-1'])).rejects.toThrow('--lr must be a positive number, got -1');
    // What only the schema knows (a maximum) names the flag and the field.
    await expect(parseTrainArgs(['--batch-size', '1000000'])).rejects.toThrow('invalid config: --batch-size (training.batchSize): Must be at most 100000');
    await expect(parseTrainArgs(['--bogus'])).rejects.toThrow(FlagError);
    await expect(parseTrainArgs(['--config', '/nonexistent/x.json'])).rejects.toThrow(/cannot read \/nonexistent\/x.json: ENOENT/);
    const dir = await mkdtemp(join(tmpdir(), 'bpw-args-'));
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{ "seed": 1,');
    await expect(parseTrainArgs(['--config', broken])).rejects.toThrow(/broken.json is not valid JSON/);
    const wrong = join(dir, 'wrong.json');
    await writeFile(wrong, JSON.stringify({ network: { hiddenSizes: 'fifty' } }));
    await expect(parseTrainArgs(['--config', wrong])).rejects.toThrow(/wrong.json: invalid config: network.hiddenSizes/);
  });

  it('mistyped flags and names get the closest known one; a flag without its value, a switch with one, a stray word are said so', async () => {
    await expect(parseTrainArgs(['--lrr', '0.1'])).rejects.toThrow('unknown option --lrr (did you mean --lr?); see --help');
    await expect(parseTrainArgs(['--iter', '5'])).rejects.toThrow('unknown option --iter (did you mean --iterations?)');
    await expect(parseTrainArgs(['--frobnicate'])).rejects.toThrow(/^unknown option --frobnicate; see --help$/);
    await expect(parseTrainArgs(['--lr', '--json'])).rejects.toThrow('--lr needs a value');
    await expect(parseTrainArgs(['--lr'])).rejects.toThrow('--lr needs a value');
    await expect(parseTrainArgs(['--json=yes'])).rejects.toThrow('--json is a switch and takes no value, got "--json=yes"');
    await expect(parseTrainArgs(['lr', '0.1'])).rejects.toThrow('unexpected "lr": options start with -- (did you mean --lr?)');
    await expect(parseTrainArgs(['--optimizer', 'adamm'])).rejects.toThrow('--optimizer must be sgd, momentum, nesterov, adagrad, rmsprop or adam, got "adamm" (did you mean adam?)');
    await expect(parseTrainArgs(['--activation', 'tanh'])).rejects.toThrow('--activation must be relu or sigmoid, got "tanh"');
    await expect(parseTrainArgs(['--init', 'hee'])).rejects.toThrow('--init must be a std such as 0.01, or he, relu, xavier or sigmoid, got "hee" (did you mean he?)');
    await expect(parseTrainArgs(['--evaluate-every', 'epochs'])).rejects.toThrow('--evaluate-every must be "epoch" or a number of iterations, got "epochs"');
    // Names are taken in any case, as the schema does.
    expect((await parseTrainArgs(['--optimizer', 'Adam', '--dtype', 'FLOAT64'])).config.optimizer.type).toBe('adam');
  });

  it('flags that contradict each other are refused, not one silently winning; a file in the way of --runs-dir is named', async () => {
    await expect(parseTrainArgs(['--iterations', '10', '--epochs', '2'])).rejects.toThrow(/^--iterations and --epochs cannot be used together/);
    await expect(parseTrainArgs(['--no-save', '--runs-dir', '/tmp/runs'])).rejects.toThrow('--no-save and --runs-dir cannot be used together: a run that is not saved has no run store');
    await expect(parseTrainArgs(['--no-save', '--name', 'x'])).rejects.toThrow(/^--no-save and --name cannot be used together/);
    const dir = await mkdtemp(join(tmpdir(), 'bpw-args-'));
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    await expect(parseTrainArgs(['--runs-dir', join(file, 'runs')])).rejects.toThrow(`--runs-dir ${join(file, 'runs')}: ${file} is a file, not a folder`);
    await expect(parseTrainArgs(['--runs-dir', file])).rejects.toThrow(`--runs-dir ${file}: it is a file, not a folder`);
    expect((await parseTrainArgs(['--runs-dir', join(dir, 'new', 'runs')])).runsDirectory).toBe(join(dir, 'new', 'runs'));
  });

  it('a layer-list preset takes the shared flags (--epochs, --lr, --init, --weight-decay) and refuses the MLP\'s by name', async () => {
    const preset = 'resources/presets/simple-convnet.json';
    const { config } = await parseTrainArgs(['--config', preset, '--epochs', '1', '--init', 'he', '--weight-decay', '0.001', '--lr', '0.002']);
    expect(config.network).toMatchObject({ input: [1, 28, 28], output: 10, weightInit: 'he', weightDecay: 0.001 });
    expect(config.training).toMatchObject({ epochs: 1, evaluationSamples: 1000 });
    expect(config.optimizer).toEqual({ type: 'adam', lr: 0.002, beta1: 0.9, beta2: 0.999 });
    for (const flags of [['--hidden', '100'], ['--activation', 'sigmoid'], ['--batch-norm'], ['--dropout', '0.5'], ['--inverted-dropout']]) {
      await expect(parseTrainArgs(['--config', preset, ...flags])).rejects.toThrow(`${flags[0]} shapes an MLP's hidden layers, but ${preset} has a layer-list network (network.layers): change its layers instead`);
    }
  });
});
