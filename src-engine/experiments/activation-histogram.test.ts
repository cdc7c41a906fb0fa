import { describe, expect, it } from 'vitest';
import { activationHistograms, BOOK_HISTOGRAM, initScale, type HistogramActivation, type HistogramInit } from './activation-histogram';

const total = BOOK_HISTOGRAM.samples * BOOK_HISTOGRAM.nodes;
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
/** The fraction of a layer's activations in the given bins. */
const share = (counts: readonly number[], bins: readonly number[]): number => sum(bins.map((b) => counts[b])) / total;

// The first and the fifth layer's 30 bin counts on seed 1, taken after checking they show the book's figures.
const SNAPSHOTS: ReadonlyArray<readonly [HistogramActivation, HistogramInit, number[], number[]]> = [
  ['sigmoid', 'std1',
    [36499, 2753, 1774, 1340, 1057, 888, 750, 754, 694, 619, 591, 547, 567, 529, 531, 539, 530, 538, 575, 579, 626, 655, 732, 810, 897, 1020, 1284, 1756, 2773, 36793],
    [30126, 4373, 2514, 1938, 1518, 1277, 1122, 1023, 979, 924, 829, 802, 790, 804, 783, 772, 712, 751, 765, 801, 849, 914, 951, 1060, 1248, 1430, 1698, 2271, 3728, 32248]],
  ['sigmoid', 'std0.01',
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 368, 8511, 41014, 41012, 8689, 402, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 46000, 54000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
  ['sigmoid', 'xavier',
    [39, 382, 1007, 1577, 2228, 2892, 3241, 3919, 4238, 4626, 4811, 4979, 5140, 5429, 5385, 5379, 5343, 5154, 5039, 4812, 4625, 4190, 3821, 3489, 2918, 2308, 1596, 966, 421, 46],
    [0, 0, 0, 0, 0, 0, 0, 0, 1890, 1658, 10452, 3000, 6004, 13996, 10000, 9000, 14000, 6788, 6212, 7994, 4919, 4087, 0, 0, 0, 0, 0, 0, 0, 0]],
  ['relu', 'he',
    [50840, 929, 949, 942, 955, 975, 948, 913, 928, 974, 899, 896, 945, 860, 912, 922, 829, 797, 931, 835, 852, 812, 810, 831, 777, 783, 738, 802, 761, 708],
    [52434, 1013, 1047, 1026, 1010, 990, 1009, 1046, 1007, 996, 957, 926, 917, 923, 950, 869, 876, 949, 842, 850, 840, 845, 766, 817, 874, 813, 779, 722, 754, 773]],
  ['relu', 'std0.01',
    [63089, 11721, 9354, 6708, 4396, 2455, 1249, 605, 266, 103, 36, 12, 4, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [100000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
  ['tanh', 'xavier',
    [4486, 4655, 4149, 3871, 3591, 3397, 3178, 2994, 2965, 2832, 2758, 2840, 2772, 2740, 2665, 2647, 2756, 2689, 2803, 2783, 2811, 2996, 3062, 3180, 3386, 3656, 3644, 4348, 4773, 4573],
    [0, 21, 117, 389, 769, 1390, 2097, 3062, 3875, 4777, 5489, 6327, 7169, 7284, 7477, 7447, 7230, 6800, 6326, 5635, 4752, 3900, 2945, 2139, 1357, 751, 338, 114, 23, 0]],
];

const run = (activation: HistogramActivation, init: HistogramInit) => activationHistograms({ activation, init, seed: 1 });

describe("the book's activation histograms (ch6 weight_init_activation_histogram.py)", () => {
  it.each(SNAPSHOTS)('%s with %s: exact counts on seed 1, every activation counted once per layer', (activation, init, first, fifth) => {
    const layers = run(activation, init);
    expect(layers).toHaveLength(BOOK_HISTOGRAM.layers);
    expect(layers[0].counts).toEqual(first);
    expect(layers[4].counts).toEqual(fifth);
    for (const layer of layers) {
      expect(layer.counts).toHaveLength(BOOK_HISTOGRAM.bins);
      expect(sum(layer.counts) + layer.below + layer.above).toBe(total);
      if (activation !== 'relu') expect(sum(layer.counts)).toBe(total); // sigmoid and tanh stay inside their range
    }
    expect(layers[0].edges[0]).toBe(activation === 'tanh' ? -1 : 0);
    expect(layers[0].edges[30]).toBe(1);
  });

  it('std 1 with sigmoid piles every layer up at 0 and 1 (figure 6-10)', () => {
    for (const { counts } of run('sigmoid', 'std1')) expect(share(counts, [0, 29])).toBeGreaterThan(0.55);
  });

  it('std 0.01 with sigmoid collapses every layer to about 0.5 (figure 6-11)', () => {
    for (const { counts, std, mean } of run('sigmoid', 'std0.01')) {
      expect(share(counts, [13, 14, 15, 16])).toBeGreaterThan(0.99);
      expect(std).toBeLessThan(0.03);
      expect(mean).toBeCloseTo(0.5, 1);
    }
  });

  it('Xavier with sigmoid spreads the first layer over the range and keeps no layer at the ends (figure 6-13)', () => {
    const layers = run('sigmoid', 'xavier');
    expect(layers[0].counts.filter((c) => c > 1000)).toHaveLength(25);
    for (const { counts, std } of layers) {
      expect(share(counts, [0, 29])).toBeLessThan(0.001);
      expect(std).toBeGreaterThan(0.1);
    }
  });

  it('He with ReLU keeps the same spread in every layer; std 0.01 with ReLU collapses to 0 (figure 6-14)', () => {
    for (const { std } of run('relu', 'he')) expect(std).toBeGreaterThan(0.75);
    const small = run('relu', 'std0.01');
    expect(small.map((l) => l.std)).toEqual([...small.map((l) => l.std)].sort((a, b) => b - a));
    expect(small[4].std).toBeLessThan(1e-4);
  });

  it('scales the weights as the book does', () => {
    expect([initScale('std1', 100), initScale('std0.01', 100), initScale('xavier', 100), initScale('he', 100)]).toEqual([1, 0.01, 0.1, Math.sqrt(0.02)]);
  });
});
