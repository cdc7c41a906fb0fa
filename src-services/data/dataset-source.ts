import type { DatasetConfig } from '../../src-shared/config';
import type { Dataset } from '../../src-engine/dataset';
import { bundledMnistDirectory, loadIdxDataset, locateIdxDataset, readIdxDataset } from './load-dataset';

/** The directory a config's dataset lives in: the bundled MNIST or a user-chosen IDX folder. */
function datasetDirectory(config: DatasetConfig): string {
  return config.kind === 'mnist' ? bundledMnistDirectory() : config.path;
}

export function loadConfiguredDataset(config: DatasetConfig): Promise<Dataset> {
  return loadIdxDataset(datasetDirectory(config));
}

/** Datasets a cache keeps at most: a few, and no more bytes than this once more than one is held. */
const DATASET_CACHE_ENTRIES = 3;
const DATASET_CACHE_BYTES = 2 ** 30;

interface Entry {
  readonly pending: Promise<Dataset>;
  bytes: number;
}

const sizeOf = (dataset: Dataset): number =>
  dataset.train.images.byteLength + dataset.train.labels.byteLength + dataset.test.images.byteLength + dataset.test.labels.byteLength;

/**
 * Datasets loaded once and shared by every request. Keyed by what the files are (the real directory and each
 * file's device, inode, size and modification time), so any spelling of a path finds the same entry and a
 * changed file is read again; the least recently used are dropped beyond DATASET_CACHE_ENTRIES or
 * DATASET_CACHE_BYTES. A failed load is forgotten, so a retry reads again.
 */
export class DatasetCache {
  private readonly entries = new Map<string, Entry>();

  async get(config: DatasetConfig): Promise<Dataset> {
    const located = await locateIdxDataset(datasetDirectory(config));
    const key = located.identity;
    const cached = this.entries.get(key);
    if (cached) {
      // Most recently used last: Maps keep insertion order.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.pending;
    }
    const entry: Entry = { pending: readIdxDataset(located), bytes: 0 };
    this.entries.set(key, entry);
    entry.pending.then(
      (dataset) => {
        entry.bytes = sizeOf(dataset);
        this.evict(key);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.pending;
  }

  /** Datasets held or loading. */
  get size(): number {
    return this.entries.size;
  }

  /** Drops the least recently used entries (never `keep`, the one just loaded) until within both bounds. */
  private evict(keep: string): void {
    const total = (): number => [...this.entries.values()].reduce((sum, e) => sum + e.bytes, 0);
    for (const key of this.entries.keys()) {
      if (this.entries.size <= DATASET_CACHE_ENTRIES && total() <= DATASET_CACHE_BYTES) return;
      if (key !== keep) this.entries.delete(key);
    }
  }
}
