import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainConfig } from '../../src-shared/config';
import type { SweepTag } from '../../src-shared/sweep';
import {
  metricsLineSchema,
  RUN_FORMAT_VERSION,
  RUN_ID_PATTERN,
  runRecordSchema,
  type MetricsLine,
  type RunListing,
  type RunRecord,
} from '../../src-shared/run-record';
import { readCheckpoint, type Checkpoint } from './checkpoint';

export const RUN_FILE = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const CHECKPOINT_FILE = 'checkpoint.bin';
/** The run's validated ONNX export (present only when it passed validation). */
export const ONNX_FILE = 'model.onnx';

export class RunStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunStoreError';
  }
}

/**
 * Runs on disk: one directory per run holding run.json, the append-only metrics.jsonl and the latest weights
 * checkpoint (both written while training, by RunRecorder). Every rewrite goes through a temporary file and a rename, so a crash never leaves a torn file.
 */
export class RunStore {
  readonly root: string;
  private readonly appVersion: string;
  private readonly now: () => Date;

  /** `now` stamps ids, createdAt and updatedAt (a test gives a clock of its own). */
  constructor(root: string, appVersion = '0.0.0', now: () => Date = () => new Date()) {
    this.root = root;
    this.appVersion = appVersion;
    this.now = now;
  }

  directory(id: string): string {
    if (!RUN_ID_PATTERN.test(id) || id === '.' || id === '..') throw new RunStoreError(`invalid run id "${id}"`);
    return join(this.root, id);
  }

  async create(config: TrainConfig, options: { name?: string; backend?: RunRecord['backend']; sweep?: SweepTag } = {}): Promise<RunRecord> {
    await mkdir(this.root, { recursive: true });
    const now = this.now();
    const id = `${now.toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
    const record: RunRecord = {
      formatVersion: RUN_FORMAT_VERSION,
      id,
      name: options.name ?? config.name ?? defaultName(config),
      config,
      status: 'queued',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      ...(options.backend ? { backend: options.backend } : {}),
      ...(options.sweep ? { sweep: options.sweep } : {}),
      dtype: config.dtype,
      versions: { app: this.appVersion, node: process.versions.node },
    };
    await mkdir(this.directory(id));
    await this.writeRecord(record);
    return record;
  }

  async get(id: string): Promise<RunRecord> {
    const listing = await this.read(id);
    if (listing.kind !== 'ok') throw new RunStoreError(`run ${id} is ${listing.kind === 'damaged' ? 'damaged' : 'from a newer version'}: ${listing.problem}`);
    return listing.record;
  }

  async update(id: string, patch: Partial<Omit<RunRecord, 'id' | 'formatVersion' | 'createdAt'>>): Promise<RunRecord> {
    const current = await this.get(id);
    const next: RunRecord = runRecordSchema.parse({ ...current, ...patch, updatedAt: this.now().toISOString() });
    await this.writeRecord(next);
    return next;
  }

  async rename(id: string, name: string): Promise<RunRecord> {
    const trimmed = name.trim();
    if (!trimmed) throw new RunStoreError('a run name cannot be empty');
    return this.update(id, { name: trimmed.slice(0, 200) });
  }

  async delete(id: string): Promise<void> {
    await rm(this.directory(id), { recursive: true, force: true });
  }

  /** Every run directory, newest first; unreadable ones are listed with the problem instead of failing. */
  async list(): Promise<RunListing[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const listings: RunListing[] = [];
    for (const name of names) {
      if (!RUN_ID_PATTERN.test(name)) continue;
      const info = await stat(join(this.root, name)).catch(() => undefined);
      if (!info?.isDirectory()) continue;
      listings.push(await this.read(name));
    }
    const key = (l: RunListing): string => (l.kind === 'ok' ? l.record.createdAt : '');
    return listings.sort((a, b) => key(b).localeCompare(key(a)) || idOf(a).localeCompare(idOf(b)));
  }

  /** The metrics lines; a torn last line (a crash mid-append) is dropped, other bad lines are errors. */
  async readMetrics(id: string): Promise<MetricsLine[]> {
    let text: string;
    try {
      text = await readFile(join(this.directory(id), METRICS_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // Every complete line ends with a newline: the last piece is empty, or torn by a crash mid-append.
    const complete = text.split('\n').slice(0, -1);
    return complete.map((row, i) => {
      try {
        return metricsLineSchema.parse(JSON.parse(row));
      } catch (error) {
        throw new RunStoreError(`${join(this.directory(id), METRICS_FILE)}: line ${i + 1} is not a metrics record (${(error as Error).message.split('\n')[0]})`);
      }
    });
  }

  /** Whether the run has saved weights, without reading them. */
  async hasCheckpoint(id: string): Promise<boolean> {
    return stat(join(this.directory(id), CHECKPOINT_FILE)).then(
      (info) => info.isFile(),
      () => false,
    );
  }

  async readCheckpoint(id: string): Promise<Checkpoint | undefined> {
    try {
      return await readCheckpoint(join(this.directory(id), CHECKPOINT_FILE));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  private async read(id: string): Promise<RunListing> {
    const file = join(this.directory(id), RUN_FILE);
    let value: unknown;
    try {
      value = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { kind: 'damaged', id, problem: code === 'ENOENT' ? `${RUN_FILE} is missing` : `${RUN_FILE} is not valid JSON` };
    }
    const version = (value as { formatVersion?: unknown } | null)?.formatVersion;
    if (typeof version === 'number' && version > RUN_FORMAT_VERSION) {
      return { kind: 'future-version', id, problem: `written by a newer version (format ${version}; this app reads ${RUN_FORMAT_VERSION})` };
    }
    const parsed = runRecordSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { kind: 'damaged', id, problem: `${RUN_FILE}: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
    }
    if (parsed.data.id !== id) return { kind: 'damaged', id, problem: `${RUN_FILE} names another run (${parsed.data.id})` };
    return { kind: 'ok', record: parsed.data };
  }

  /** Writes a file into the run's folder atomically: a crash leaves the old file or the new one. */
  async writeRunFile(id: string, name: string, data: string | Uint8Array): Promise<string> {
    const file = join(this.directory(id), name);
    const temporary = `${file}.tmp-${process.pid}`;
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    return file;
  }

  private async writeRecord(record: RunRecord): Promise<void> {
    await this.writeRunFile(record.id, RUN_FILE, `${JSON.stringify(record, null, 2)}\n`);
  }
}

function idOf(listing: RunListing): string {
  return listing.kind === 'ok' ? listing.record.id : listing.id;
}

function defaultName(config: TrainConfig): string {
  const { network, optimizer } = config;
  return `${[network.inputSize, ...network.hiddenSizes, network.outputSize].join('-')} ${network.activation} ${optimizer.type} lr ${optimizer.lr}`;
}
