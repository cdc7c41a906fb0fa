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
    expect(config.network.hiddenSizes).toEqual([50]);
    expect(config.optimizer.lr).toBe(0.1);
    expect(json).toBe(false);
  });

  it('--input picks how batches reach the first layer; anything but auto, sparse or dense is refused by name', async () => {
    expect((await parseTrainArgs([])).input).toBe('auto');
    expect((await parseTrainArgs(['--input', 'dense'])).input).toBe('dense');
    expect((await parseTrainArgs(['--input', 'sparse'])).input).toBe('sparse');
    const error = await parseTrainArgs(['--input', 'csr']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/--input.*must be auto, sparse or dense, got "csr"/);
  });

  it('flags override a config file field by field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bpw-args-'));
    const file = join(dir, 'run.json');
    await writeFile(file, JSON.stringify({ network: { hiddenSizes: [100, 100], activation: 'sigmoid' }, training: { iterations: 50 }, seed: 3 }));
    const { config } = await parseTrainArgs(['--config', file, '--hidden', '20', '--epochs', '2', '--dtype', 'float64', '--init', 'he', '--dataset', '/data/fashion', '--json']);
    expect(config.network.hiddenSizes).toEqual([20]);
    expect(config.network.activation).toBe('sigmoid');
    expect(config.network.weightInit).toBe('he');
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
});
