/** One split of an image-classification dataset, kept as the raw uint8 pixels of the IDX files. */
export interface DatasetSplit {
  /** count x (rows * cols) pixels, 0 = background, 255 = ink. */
  readonly images: Uint8Array;
  /** count labels in 0..classes-1. */
  readonly labels: Uint8Array;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
}

export interface Dataset {
  /** Human-readable name, e.g. "mnist" or the directory name. */
  readonly name: string;
  /** Directory the files were read from. */
  readonly directory: string;
  readonly train: DatasetSplit;
  readonly test: DatasetSplit;
  /** Number of classes (max label + 1 over both splits, at least 10 for MNIST-style sets). */
  readonly classes: number;
}
