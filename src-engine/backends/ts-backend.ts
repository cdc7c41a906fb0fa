import type { Backend } from '../backend';
import { activationsKernels } from './ts/activations';
import { batchNormKernels } from './ts/batch-norm';
import { convKernels } from './ts/conv';
import { convReluPoolKernels } from './ts/conv-relu-pool';
import { convolutionKernels } from './ts/convolution';
import { denseKernels } from './ts/dense';
import { imagesKernels } from './ts/images';
import { optimizerRulesKernels } from './ts/optimizer-rules';
import { reluPoolKernels } from './ts/relu-pool';

/**
 * The reference backend: plain loops, written to be read next to the book, and the oracle the native kernels
 * are tested against. Each file of ts/ holds one concern's kernels; loop orders are chosen so the innermost loop
 * walks memory contiguously (i-k-j for C = A*B), which is all the speed it aims for.
 */
export function createTsBackend(): Backend {
  return tsBackend;
}

const tsBackend: Backend = {
  name: 'ts',
  ...denseKernels,
  ...activationsKernels,
  ...optimizerRulesKernels,
  ...batchNormKernels,
  ...imagesKernels,
  ...convKernels,
  ...convolutionKernels,
  ...reluPoolKernels,
  ...convReluPoolKernels,
};
