import type { Handlers } from './handlers';
import { UserError } from './errors';

/** The datasets' images, for the Draw view's test-set picker. */
export type DatasetsMethod = 'testImages';

export const datasetsHandlers = {
  testImages: async (ctx, { dataset, offset, count }) => {
    const { test } = await ctx.datasets.get(dataset);
    if (offset >= test.count) throw new UserError(`the test set has ${test.count} images; offset ${offset} is past its end`);
    const size = test.rows * test.cols;
    const images = [];
    for (let index = offset; index < Math.min(offset + count, test.count); index++) {
      images.push({ index, label: test.labels[index]!, pixels: Array.from(test.images.subarray(index * size, (index + 1) * size)), rows: test.rows, cols: test.cols });
    }
    return images;
  },
} satisfies Handlers<DatasetsMethod>;
