import type { OptimizerConfig } from '../src-shared/config';
import type { Backend, OptimizerRule } from './backend';
import { Tensor } from './tensor';

/**
 * The book's optimizers (common/optimizer.py): update(params, grads) changes the parameters in place; the
 * per-parameter state is created as zeros on the first update. Every rule runs in one backend call per
 * parameter, so the native backend keeps the whole update out of JavaScript loops.
 */
export interface Optimizer {
  update(params: Readonly<Record<string, Tensor>>, grads: Readonly<Record<string, Tensor>>): void;
  /** What a checkpoint must keep so a resumed run continues the same curve (state tensors, step counter). */
  snapshot(): { tensors: Record<string, Tensor>; step: number };
  restore(tensors: Readonly<Record<string, Tensor>>, step: number): void;
}

function gradientOf(name: string, grads: Readonly<Record<string, Tensor>>, key: string): Tensor {
  const grad = grads[key];
  if (!grad) throw new Error(`${name}.update: no gradient for ${key}`);
  return grad;
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
      this.backend.axpby(-this.lr, gradientOf('SGD', grads, key).data, 1, param.data, param.size);
    }
  }

  snapshot(): { tensors: Record<string, Tensor>; step: number } {
    return { tensors: {}, step: 0 };
  }

  restore(): void {
    // SGD keeps no state.
  }
}

/**
 * Momentum, Nesterov (the book's oreilly order), AdaGrad, RMSprop and Adam: one rule each, with one or two
 * state tensors per parameter (Adam: m and v) and, for Adam, one step counter shared by all parameters.
 */
export class StatefulOptimizer implements Optimizer {
  readonly rule: OptimizerRule;
  readonly lr: number;
  private readonly backend: Backend;
  private readonly p1: number;
  private readonly p2: number;
  private readonly eps: number;
  private readonly first = new Map<string, Tensor>();
  private readonly second = new Map<string, Tensor>();
  private step = 0;

  constructor(backend: Backend, rule: OptimizerRule, options: { lr: number; p1?: number; p2?: number; eps?: number }) {
    this.backend = backend;
    this.rule = rule;
    this.lr = options.lr;
    this.p1 = options.p1 ?? 0;
    this.p2 = options.p2 ?? 0;
    this.eps = options.eps ?? 1e-7;
  }

  update(params: Readonly<Record<string, Tensor>>, grads: Readonly<Record<string, Tensor>>): void {
    this.step++;
    // Adam folds the bias correction into the rate: lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t).
    const lr = this.rule === 'adam' ? (this.lr * Math.sqrt(1 - this.p2 ** this.step)) / (1 - this.p1 ** this.step) : this.lr;
    for (const [key, param] of Object.entries(params)) {
      const grad = gradientOf(this.rule, grads, key);
      const s1 = this.state(this.first, key, param);
      const s2 = this.rule === 'adam' ? this.state(this.second, key, param) : s1;
      this.backend.optimizerStep(this.rule, param.data, grad.data, s1.data, s2.data, param.size, lr, this.p1, this.p2, this.eps);
    }
  }

  snapshot(): { tensors: Record<string, Tensor>; step: number } {
    const tensors: Record<string, Tensor> = {};
    for (const [key, t] of this.first) tensors[`optimizer.s1.${key}`] = t;
    for (const [key, t] of this.second) tensors[`optimizer.s2.${key}`] = t;
    return { tensors, step: this.step };
  }

  restore(tensors: Readonly<Record<string, Tensor>>, step: number): void {
    this.step = step;
    for (const [name, tensor] of Object.entries(tensors)) {
      const match = /^optimizer\.(s1|s2)\.(.+)$/.exec(name);
      if (!match) continue;
      (match[1] === 's1' ? this.first : this.second).set(match[2]!, tensor.clone());
    }
  }

  private state(map: Map<string, Tensor>, key: string, like: Tensor): Tensor {
    let t = map.get(key);
    if (!t) {
      t = Tensor.zeros(like.shape, like.dtype);
      map.set(key, t);
    }
    return t;
  }
}

export function createOptimizer(config: OptimizerConfig, backend: Backend): Optimizer {
  switch (config.type) {
    case 'sgd':
      return new SGD(backend, config.lr);
    case 'momentum':
    case 'nesterov':
      return new StatefulOptimizer(backend, config.type, { lr: config.lr, p1: config.momentum });
    case 'adagrad':
      return new StatefulOptimizer(backend, 'adagrad', { lr: config.lr });
    case 'rmsprop':
      return new StatefulOptimizer(backend, 'rmsprop', { lr: config.lr, p1: config.decayRate });
    case 'adam':
      return new StatefulOptimizer(backend, 'adam', { lr: config.lr, p1: config.beta1, p2: config.beta2 });
  }
}
