import { describe, expect, it } from 'vitest';
import { className, datasetClasses, FASHION_MNIST_CLASSES } from './class-names';

describe('datasetClasses', () => {
  it('speaks of MNIST digits by their numbers', () => {
    const mnist = datasetClasses({ kind: 'mnist' });
    expect(mnist).toEqual({ name: 'MNIST', noun: 'digit' });
    expect(className(mnist, 7)).toBe('7');
  });

  it('recognises Fashion-MNIST by its directory name, and names its classes', () => {
    for (const path of ['/data/fashion-mnist', 'C:\\datasets\\FashionMNIST\\', 'fashion/raw']) {
      const fashion = datasetClasses({ kind: 'idx', path });
      expect(fashion.noun).toBe('item of clothing');
      expect(className(fashion, 0)).toBe('T-shirt/top');
      expect(className(fashion, 9)).toBe('Ankle boot');
    }
    expect(datasetClasses({ kind: 'idx', path: '/data/FashionMNIST/' }).name).toBe('FashionMNIST');
    expect(FASHION_MNIST_CLASSES).toHaveLength(10);
  });

  it('keeps numbers for a label past the names', () => {
    expect(className(datasetClasses({ kind: 'idx', path: 'fashion' }), 12)).toBe('12');
  });

  it('says "digit" for an MNIST copy and "class" for anything else', () => {
    expect(datasetClasses({ kind: 'idx', path: '/copies/mnist' })).toEqual({ name: 'mnist', noun: 'digit' });
    expect(datasetClasses({ kind: 'idx', path: '/data/letters' })).toEqual({ name: 'letters', noun: 'class' });
  });
});
