// What a dataset's classes are called: MNIST's are digits, Fashion-MNIST's are clothes. The dataset
// config carries no class names, so an IDX directory is recognised by its name.

import type { DatasetConfig } from '../../src-shared/config';

/** Fashion-MNIST's labels 0..9, as its authors name them. */
export const FASHION_MNIST_CLASSES: readonly string[] = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export interface DatasetClasses {
  /** The dataset's name for people. */
  readonly name: string;
  /** One class, for sentences: "digit", "item of clothing", "class". */
  readonly noun: string;
  /** Class names by label; undefined: the labels themselves (0, 1, ...) are the names. */
  readonly names?: readonly string[];
}

/** The last part of a dataset path, whichever separator it uses. */
function baseName(path: string): string {
  const parts = path.split(/[\\/]+/).filter((p) => p.length > 0);
  return parts[parts.length - 1] ?? path;
}

/** How to speak of a dataset's classes: Fashion-MNIST by its directory name, MNIST, else plain labels. */
export function datasetClasses(dataset: DatasetConfig): DatasetClasses {
  if (dataset.kind === 'mnist') return { name: 'MNIST', noun: 'digit' };
  const name = baseName(dataset.path);
  if (/fashion/i.test(dataset.path)) return { name, noun: 'item of clothing', names: FASHION_MNIST_CLASSES };
  if (/mnist/i.test(name)) return { name, noun: 'digit' };
  return { name, noun: 'class' };
}

/** A label's name: its class name when the dataset has them (and the label is one of them), else the number. */
export function className(classes: DatasetClasses, label: number): string {
  return classes.names?.[label] ?? String(label);
}
