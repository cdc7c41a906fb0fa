import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainConfig } from '../../src-shared/config';
import type { SweepTag } from '../../src-shared/sweep';
import { RUN_FORMAT_VERSION, RUN_ID_PATTERN, runRecordSchema, type MetricsLine, type OnnxReport, type RunListing, type RunRecord } from '../../src-shared/run-record';
import { readCheckpoint, type Checkpoint } from './checkpoint';
import { currentProcess, sameProcess } from './process-identity';
import { forgetResumeCheck, resumeCheck } from './resume-check';
import { claimRun, exclusive, holdsRun, type RunClaim } from './run-claims';
import { diskWriter, sweepTemporaryFiles, writeFileAtomic, type RunFileWriter } from './run-files';
import { CHECKPOINT_FILE, METRICS_FILE, ONNX_FILE, RUN_FILE } from './run-layout';
import type { RunCurve, RunMetrics } from '../../src-shared/api';
import { iterationBound, metricsLines, readRunCurve, readRunMetrics, type CurveRequest } from './metrics-reader';
import { isRunFolderName, listRunFolders, readRunListing, RunListingCache, RunStoreError } from './run-listing';
import { ownerIsRunning, readLock, type LockOwner, type LockPurpose } from './run-lock';
import { networkLabel } from '../../src-shared/network-config';

;
export type { RunClaim } from './run-claims';

export interface RunStoreOptions {
  /** What this process is, as other processes name the owner of a locked run ("npm run train", ...). */
  readonly holder?: string;
  /** The writes that take disk space (a test puts a full disk here). */
  readonly writer?: RunFileWriter;
}

/** Run folders read at once while listing. */
const LIST_READS = 16;

type RecordPatch = Partial<Omit<RunRecord, 'id' | 'formatVersion' | 'createdAt' | 'resume'>>;

/** The process as lock messages name it when its entry point does not say: the desktop app, or `node <script>`. */
function defaultHolder(): string {
  if (process.versions.electron) return 'the desktop app';
  const script = (process.argv[1] ?? '').split(/[\\/]/).slice(-2).join('/');
  return script ? `node ${script}` : 'a Node process';
}

/**
 * Runs on disk: one directory per run holding run.json, the append-only metrics.jsonl, the latest weights
 * checkpoint and, while a process trains or rewrites it, run.lock. Every rewrite goes through a temporary file
 * of its own and a rename (a crash or a full disk never leaves a torn file), inside the run's queue in this
 * process and under its lock across processes, so concurrent updates never lose or damage each other.
 */
export class RunStore {
  readonly root: string;
  readonly holder: string;
  private readonly appVersion: string;
  private readonly now: () => Date;
  private readonly writer: RunFileWriter;
  /** Records this process knows but could not save (a full disk): served instead of the stale file, and retried. */
  private readonly unsaved = new Map<string, RunRecord>();
  /** The records the last listing read, reused while their files are unchanged. */
  private readonly listed = new RunListingCache();

  /** `now` stamps ids, createdAt and updatedAt (a test gives a clock of its own). */
  constructor(root: string, appVersion = '0.0.0', now: () => Date = () => new Date(), options: RunStoreOptions = {}) {
    this.root = root;
    this.appVersion = appVersion;
    this.now = now;
    this.holder = options.holder ?? defaultHolder();
    this.writer = options.writer ?? diskWriter;
  }

  directory(id: string): string {
    if (!RUN_ID_PATTERN.test(id) || id === '.' || id === '..') throw new RunStoreError(`invalid run id "${id}"`);
    return join(this.root, id);
  }

  async create(config: TrainConfig, options: { name?: string; backend?: RunRecord['backend']; sweep?: SweepTag } = {}): Promise<RunRecord> {
    const { record, claim } = await this.createClaimed(config, options, 'write');
    await claim.release();
    return record;
  }

  /** Creates a run locked by this process, which then trains it under that lock. A failed create leaves nothing behind. */
  async createClaimed(config: TrainConfig, options: { name?: string; backend?: RunRecord['backend']; sweep?: SweepTag } = {}, purpose: LockPurpose = 'train'): Promise<{ record: RunRecord; claim: RunClaim }> {
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
    const directory = this.directory(id);
    await mkdir(directory);
    let claim: RunClaim | undefined;
    try {
      // The lock first: another process never sees this run without its owner.
      claim = await claimRun(directory, id, purpose, this.holder);
      await this.writeRecord(record);
      return { record, claim };
    } catch (error) {
      await claim?.release().catch(() => undefined);
      await rm(directory, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Takes the run's lock for this process ('train': for as long as it trains it), or throws RunLockedError
   * naming the live owner. A new training owner sweeps the temporary files failed or killed writers left.
   */
  async claim(id: string, purpose: LockPurpose = 'train'): Promise<RunClaim> {
    const directory = await this.existingFolder(id);
    const claim = await claimRun(directory, id, purpose, this.holder);
    if (purpose === 'train' && claim.fresh) await exclusive(directory, () => sweepTemporaryFiles(directory)).catch(() => undefined);
    return claim;
  }

  /** The live process other than this one that holds the run's lock, if any. */
  async otherOwner(id: string): Promise<LockOwner | undefined> {
    const owner = (await readLock(this.directory(id)))?.owner;
    return owner && !sameProcess(owner, currentProcess()) && ownerIsRunning(owner) ? owner : undefined;
  }

  async get(id: string): Promise<RunRecord> {
    const listing = await this.read(id);
    if (listing.kind !== 'ok') throw new RunStoreError(`run ${id} is ${listing.kind === 'damaged' ? 'damaged' : 'from a newer version'}: ${listing.problem}`);
    return listing.record;
  }

  /**
   * Rewrites run.json with `patch`, serialised with every other rewrite of the run. With `keepUnsaved`, a
   * record that cannot be written (a full disk) is still served by this store and retried by saveUnsaved;
   * the error is thrown either way.
   */
  async update(id: string, patch: RecordPatch, options: { keepUnsaved?: boolean } = {}): Promise<RunRecord> {
    return this.rewrite(id, () => this.updateLocked(id, patch, options.keepUnsaved ?? false));
  }

  async rename(id: string, name: string): Promise<RunRecord> {
    const trimmed = name.trim();
    if (!trimmed) throw new RunStoreError('a run name cannot be empty');
    return this.update(id, { name: trimmed.slice(0, 200) });
  }

  /** Stores an ONNX export: the model (when it passed validation) and its report, as one rewrite. */
  async saveExport(id: string, model: Uint8Array | null, report: OnnxReport): Promise<{ record: RunRecord; modelPath: string | null }> {
    return this.rewrite(id, async () => {
      const modelPath = model ? join(this.directory(id), ONNX_FILE) : null;
      if (modelPath && model) await writeFileAtomic(modelPath, model, this.writer);
      return { record: await this.updateLocked(id, { onnx: report }, false), modelPath };
    });
  }

  /** Whether this store serves a record of the run that it could not save yet. */
  hasUnsaved(id: string): boolean {
    return this.unsaved.has(id);
  }

  /** Writes the records kept by update({ keepUnsaved }); returns the ids still unsaved. */
  async saveUnsaved(): Promise<string[]> {
    for (const id of [...this.unsaved.keys()]) await this.update(id, {}, { keepUnsaved: true }).catch(() => undefined);
    return [...this.unsaved.keys()];
  }

  /**
   * Deletes a run folder of this store: one with a valid run.json, or a damaged one the store lists; never a
   * symlink or anything else in the root, and never a run another process (or this one) trains.
   */
  async delete(id: string): Promise<void> {
    const directory = this.directory(id);
    await exclusive(directory, async () => {
      const info = await lstat(directory).catch(() => undefined);
      if (!info) throw new RunStoreError(`there is no run ${id}`);
      if (!info.isDirectory() || info.isSymbolicLink()) throw new RunStoreError(`${id} is not a run folder of this store`);
      if (!(await isRunFolderName(this.root, id))) throw new RunStoreError(`${id} is not a run folder of this store (no run.json, and not named like a run)`);
      if (holdsRun(directory)) throw new RunStoreError(`run ${id} is being trained by this process: stop it before deleting it`);
      const claim = await claimRun(directory, id, 'write', this.holder);
      // Moved aside first (atomic): if removing its files fails half-way, no half-deleted run is listed.
      const trash = join(this.root, `.deleting-${id}-${randomBytes(4).toString('hex')}`);
      try {
        await rename(directory, trash);
      } finally {
        await claim.release();
      }
      this.unsaved.delete(id);
      forgetResumeCheck(directory);
      await rm(trash, { recursive: true, force: true });
    });
  }

  /**
   * Every run folder, newest first; unreadable ones are listed with the problem instead of failing. A run whose
   * run.json is unchanged since the last listing is not read again (see RunListingCache).
   */
  async list(): Promise<RunListing[]> {
    const ids = await listRunFolders(this.root);
    this.listed.keepOnly(ids);
    const listings: RunListing[] = new Array(ids.length);
    // A few reads at a time: thousands of runs list in one pass of the disk's latency, not thousands, and
    // never more open files than LIST_READS.
    let next = 0;
    const reader = async (): Promise<void> => {
      for (let i = next++; i < ids.length; i = next++) listings[i] = await this.read(ids[i]!, this.listed);
    };
    await Promise.all(Array.from({ length: Math.min(LIST_READS, ids.length) }, reader));
    // ISO times and ids compare as plain text (no locale rules: thousands of comparisons).
    const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    const key = (l: RunListing): string => (l.kind === 'ok' ? l.record.createdAt : '');
    return listings.sort((a, b) => compare(key(b), key(a)) || compare(idOf(a), idOf(b)));
  }

  /** The metrics lines, read within bounds (see metrics-reader.ts); a torn last line (a crash mid-append) is dropped. */
  async readMetrics(id: string): Promise<MetricsLine[]> {
    const record = await this.get(id);
    const lines: MetricsLine[] = [];
    for await (const line of metricsLines(join(this.directory(id), METRICS_FILE), iterationBound(record))) lines.push(line);
    return lines;
  }

  /** The run's losses and evaluations for the charts, read within bounds. */
  async metrics(id: string): Promise<RunMetrics> {
    return readRunMetrics(join(this.directory(id), METRICS_FILE), iterationBound(await this.get(id)));
  }

  /** The run's loss curve at a chart's resolution, however long the run (see readRunCurve). */
  async curve(id: string, request: CurveRequest): Promise<RunCurve> {
    return readRunCurve(join(this.directory(id), METRICS_FILE), iterationBound(await this.get(id), Infinity), request);
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

  /** A rewrite of the run's files: after this process's earlier ones, and under the run's lock. */
  private async rewrite<T>(id: string, job: () => Promise<T>): Promise<T> {
    const directory = await this.existingFolder(id);
    return exclusive(directory, async () => {
      const claim = await claimRun(directory, id, 'write', this.holder);
      try {
        return await job();
      } finally {
        await claim.release();
      }
    });
  }

  /** The run's folder, which must be a real directory of the root (writes never follow a symlink out of it). */
  private async existingFolder(id: string): Promise<string> {
    const directory = this.directory(id);
    const info = await lstat(directory).catch(() => undefined);
    if (!info) throw new RunStoreError(`there is no run ${id}`);
    if (!info.isDirectory()) throw new RunStoreError(`${id} is not a run folder of this store`);
    return directory;
  }

  private async updateLocked(id: string, patch: RecordPatch, keepUnsaved: boolean): Promise<RunRecord> {
    const current = this.unsaved.get(id) ?? (await this.get(id));
    const { resume: _derived, ...stored } = current;
    const next: RunRecord = runRecordSchema.parse({ ...stored, ...patch, updatedAt: this.now().toISOString() });
    try {
      await this.writeRecord(next);
    } catch (error) {
      if (keepUnsaved) this.unsaved.set(id, next);
      throw error;
    }
    this.unsaved.delete(id);
    return this.withResumeCheck(next);
  }

  private async read(id: string, cache?: RunListingCache): Promise<RunListing> {
    const kept = this.unsaved.get(id);
    const listing = kept ? { kind: 'ok' as const, record: kept } : await (cache ? cache.read(this.directory(id), id) : readRunListing(this.directory(id), id));
    return listing.kind === 'ok' ? { kind: 'ok', record: await this.withResumeCheck(listing.record) } : listing;
  }

  private async withResumeCheck(record: RunRecord): Promise<RunRecord> {
    const { resume: _stale, ...stored } = record;
    const resume = await resumeCheck(this.directory(record.id), stored);
    return resume ? { ...stored, resume } : stored;
  }

  private async writeRecord(record: RunRecord): Promise<void> {
    const { resume: _derived, ...stored } = record;
    await writeFileAtomic(join(this.directory(record.id), RUN_FILE), `${JSON.stringify(stored, null, 2)}\n`, this.writer);
  }
}

function idOf(listing: RunListing): string {
  return listing.kind === 'ok' ? listing.record.id : listing.id;
}

function defaultName(config: TrainConfig): string {
  const { network, optimizer } = config;
  return `${networkLabel(network)} ${optimizer.type} lr ${optimizer.lr}`;
}
