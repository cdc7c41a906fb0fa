import type { OptimizerConfig } from '../../src-shared/config';
import type { Backend } from './backend';
import type { Tensor } from './tensor';

/** Updates parameters in place from gradients of the same keys, like the book's optimizer.update. */
export interface Optimizer {
  update(params: Readonly<Record<string, Tensor>>, grads: Readonly<Record<string, Tensor>>): void;
}

/** W <- W - lr * grad. */
export class SGD implements Optimizer {
  readonly lr: number;
  private readonly backend: Backend;

  constructor(backend: Backend, lr = 0.01) {
    this.backend = backend;
    this.lr = lr;
  }

  update(params: Readonly<Record<string, Tensor>>, grads: Readonly<Record<string, Tensor>>): void {
    for (const [key, param] of Object.entries(params)) {
      const grad = grads[key];
      if (!grad) throw new Error(`SGD.update: no gradient for ${key}`);
      this.backend.axpby(-this.lr, grad.data, 1, param.data, param.size);
    }
  }
}

export function createOptimizer(config: OptimizerConfig, backend: Backend): Optimizer {
  switch (config.type) {
    case 'sgd':
      return new SGD(backend, config.lr);
  }
}
