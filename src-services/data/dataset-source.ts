import type { DatasetConfig } from '../../src-shared/config';
import type { Dataset } from '../../src-engine/dataset';
import { bundledMnistDirectory, loadIdxDataset } from './load-dataset';

/** The directory a config's dataset lives in: the bundled MNIST or a user-chosen IDX folder. */
export function datasetDirectory(config: DatasetConfig): string {
  return config.kind === 'mnist' ? bundledMnistDirectory() : config.path;
}

export function loadConfiguredDataset(config: DatasetConfig): Promise<Dataset> {
  return loadIdxDataset(datasetDirectory(config));
}

/** Datasets loaded once per directory and shared by every request; a failed load is forgotten, so a retry reads again. */
export class DatasetCache {
  private readonly loaded = new Map<string, Promise<Dataset>>();

  get(config: DatasetConfig): Promise<Dataset> {
    const key = datasetDirectory(config);
    let pending = this.loaded.get(key);
    if (!pending) {
      pending = loadConfiguredDataset(config);
      this.loaded.set(key, pending);
      pending.catch(() => this.loaded.delete(key));
    }
    return pending;
  }
}
