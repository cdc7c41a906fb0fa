import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { DatasetConfig } from '../../src-shared/config';
import type { DatasetIdentity } from '../../src-shared/queue';
import { bundledMnistDirectory, locateIdxDataset } from '../data/load-dataset';

/** Checksums already computed in this process, by what the files are (see LocatedDataset.identity). */
const known = new Map<string, Promise<string>>();

async function hashFiles(files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    // Each file's bytes, then its name as a separator: the same bytes split differently never hash alike.
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    hash.update(`\u0000${basename(file)}\u0000`);
  }
  return hash.digest('hex');
}

/**
 * The dataset a config trains on, as a name for messages and the SHA-256 of its four IDX files (in the
 * order train images, train labels, test images, test labels). A coordinator puts it on every trial's job; a
 * worker refuses a job whose dataset differs from its own copy, so no trial of a sweep trains on other data.
 */
export async function datasetIdentity(config: DatasetConfig): Promise<DatasetIdentity> {
  const directory = config.kind === 'mnist' ? bundledMnistDirectory() : config.path;
  const located = await locateIdxDataset(directory);
  let pending = known.get(located.identity);
  if (!pending) {
    pending = hashFiles(located.files);
    known.set(located.identity, pending);
    pending.catch(() => known.delete(located.identity));
  }
  return { name: config.kind === 'mnist' ? 'mnist' : basename(located.directory), checksum: await pending };
}
