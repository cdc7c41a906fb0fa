import type { Handlers } from './handlers';
import { UserError } from './errors';

/** The datasets' images, for the Draw view's test-set picker. */
export type DatasetsMethod = 'testImages';

/** Pixels one reply carries at most (as JSON numbers): MAX_TEST_IMAGES of MNIST's size, fewer of bigger images. */
const MAX_REPLY_PIXELS = 2_000_000;

export const datasetsHandlers = {
  testImages: async (ctx, { dataset, offset, count }) => {
    const { test } = await ctx.datasets.get(dataset);
    if (offset >= test.count) throw new UserError(`the test set has ${test.count} images; offset ${offset} is past its end`);
    const size = test.rows * test.cols;
    // Large images come fewer at a time (at least one): the reply stays bounded whatever the dataset.
    const end = Math.min(offset + Math.min(count, Math.max(1, Math.floor(MAX_REPLY_PIXELS / size))), test.count);
    const images = [];
    for (let index = offset; index < end; index++) {
      images.push({ index, label: test.labels[index]!, pixels: Array.from(test.images.subarray(index * size, (index + 1) * size)), rows: test.rows, cols: test.cols });
    }
    return images;
  },
} satisfies Handlers<DatasetsMethod>;
