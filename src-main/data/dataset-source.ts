import type { DatasetConfig } from '../../src-shared/config';
import type { Dataset } from './dataset';
import { bundledMnistDirectory, loadIdxDataset } from './load-dataset';

/** The directory a config's dataset lives in: the bundled MNIST or a user-chosen IDX folder. */
export function datasetDirectory(config: DatasetConfig): string {
  return config.kind === 'mnist' ? bundledMnistDirectory() : config.path;
}

export function loadConfiguredDataset(config: DatasetConfig): Promise<Dataset> {
  return loadIdxDataset(datasetDirectory(config));
}
