import type { TensorOps } from './ops';
import { Tensor } from './tensor';

/** The book's optimizers (common/optimizer.py) and their hyperparameters. */
export type OptimizerSpec =
  | { type: 'sgd'; lr: number }
  | { type: 'momentum'; lr: number; momentum: number }
  | { type: 'nesterov'; lr: number; momentum: number }
  | { type: 'adagrad'; lr: number }
  | { type: 'rmsprop'; lr: number; decayRate: number }
  | { type: 'adam'; lr: number; beta1: number; beta2: number };

export type OptimizerType = OptimizerSpec['type'];

/** The book's defaults, except SGD's lr 0.1: the rate of the ch5 script train_neuralnet.py (the class says 0.01). */
export const OPTIMIZER_DEFAULTS: { readonly [K in OptimizerType]: Readonly<Extract<OptimizerSpec, { type: K }>> } = {
  sgd: { type: 'sgd', lr: 0.1 },
  momentum: { type: 'momentum', lr: 0.01, momentum: 0.9 },
  nesterov: { type: 'nesterov', lr: 0.01, momentum: 0.9 },
  adagrad: { type: 'adagrad', lr: 0.01 },
  rmsprop: { type: 'rmsprop', lr: 0.01, decayRate: 0.99 },
  adam: { type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999 },
};

/** The book's 1e-7 that keeps the adaptive rules' denominators above zero. */
const EPS = 1e-7;

export type Params = Readonly<Record<string, Tensor>>;

/** What a checkpoint keeps of an optimizer so that a resumed run continues the same curve. */
export interface OptimizerState {
  /** Per-parameter state, named "optimizer.s1.W1", "optimizer.s2.W1", ... */
  readonly tensors: Readonly<Record<string, Tensor>>;
  /** Adam's update counter t (0 for the others). */
  readonly step: number;
}

/** update(params, grads) changes the parameters in place, one backend kernel per parameter. */
export interface Optimizer {
  update(params: Params, grads: Params): void;
  snapshot(): OptimizerState;
  restore(state: OptimizerState): void;
}

function gradientOf(grads: Params, key: string): Tensor {
  const grad = grads[key];
  if (!grad) throw new Error(`optimizer update: no gradient for ${key}`);
  return grad;
}

/**
 * One state tensor per parameter (the book's self.v, self.h, self.m), zeros until the first update as in
 * `if self.v is None`. Checkpoints name the first state of every rule s1 and Adam's second s2.
 */
class ParameterState {
  private readonly tensors = new Map<string, Tensor>();

  constructor(private readonly slot: 's1' | 's2') {}

  of(key: string, like: Tensor): Tensor {
    let tensor = this.tensors.get(key);
    if (!tensor) this.tensors.set(key, (tensor = Tensor.zeros(like.shape, like.dtype)));
    return tensor;
  }

  saveTo(tensors: Record<string, Tensor>): Record<string, Tensor> {
    for (const [key, tensor] of this.tensors) tensors[`optimizer.${this.slot}.${key}`] = tensor;
    return tensors;
  }

  loadFrom(tensors: Readonly<Record<string, Tensor>>): void {
    const prefix = `optimizer.${this.slot}.`;
    for (const [name, tensor] of Object.entries(tensors)) if (name.startsWith(prefix)) this.tensors.set(name.slice(prefix.length), tensor.clone());
  }
}

/** SGD: W <- W - lr * dW. */
export class SGD implements Optimizer {
  constructor(private readonly ops: TensorOps, readonly lr = OPTIMIZER_DEFAULTS.sgd.lr) {}

  update(params: Params, grads: Params): void {
    for (const [key, W] of Object.entries(params)) this.ops.addScaled(W, -this.lr, gradientOf(grads, key));
  }

  snapshot(): OptimizerState {
    return { tensors: {}, step: 0 };
  }

  restore(): void {
    // SGD keeps no state.
  }
}

/** Momentum: v <- momentum * v - lr * dW; W <- W + v. */
export class Momentum implements Optimizer {
  private readonly v = new ParameterState('s1');

  constructor(private readonly ops: TensorOps, readonly lr = OPTIMIZER_DEFAULTS.momentum.lr, readonly momentum = OPTIMIZER_DEFAULTS.momentum.momentum) {}

  update(params: Params, grads: Params): void {
    for (const [key, W] of Object.entries(params)) this.ops.momentumStep(W, gradientOf(grads, key), this.v.of(key, W), { lr: this.lr, momentum: this.momentum });
  }

  snapshot(): OptimizerState {
    return { tensors: this.v.saveTo({}), step: 0 };
  }

  restore(state: OptimizerState): void {
    this.v.loadFrom(state.tensors);
  }
}

/** Nesterov's accelerated gradient in the book's form: W <- W + momentum^2 v - (1 + momentum) lr dW; v <- momentum v - lr dW. */
export class Nesterov implements Optimizer {
  private readonly v = new ParameterState('s1');

  constructor(private readonly ops: TensorOps, readonly lr = OPTIMIZER_DEFAULTS.nesterov.lr, readonly momentum = OPTIMIZER_DEFAULTS.nesterov.momentum) {}

  update(params: Params, grads: Params): void {
    for (const [key, W] of Object.entries(params)) this.ops.nesterovStep(W, gradientOf(grads, key), this.v.of(key, W), { lr: this.lr, momentum: this.momentum });
  }

  snapshot(): OptimizerState {
    return { tensors: this.v.saveTo({}), step: 0 };
  }

  restore(state: OptimizerState): void {
    this.v.loadFrom(state.tensors);
  }
}

/** AdaGrad: h <- h + dW * dW; W <- W - lr * dW / (sqrt(h) + 1e-7). */
export class AdaGrad implements Optimizer {
  private readonly h = new ParameterState('s1');

  constructor(private readonly ops: TensorOps, readonly lr = OPTIMIZER_DEFAULTS.adagrad.lr) {}

  update(params: Params, grads: Params): void {
    for (const [key, W] of Object.entries(params)) this.ops.adagradStep(W, gradientOf(grads, key), this.h.of(key, W), { lr: this.lr, eps: EPS });
  }

  snapshot(): OptimizerState {
    return { tensors: this.h.saveTo({}), step: 0 };
  }

  restore(state: OptimizerState): void {
    this.h.loadFrom(state.tensors);
  }
}

/** RMSprop: h <- decayRate * h + (1 - decayRate) * dW * dW; W <- W - lr * dW / (sqrt(h) + 1e-7). */
export class RMSprop implements Optimizer {
  private readonly h = new ParameterState('s1');

  constructor(private readonly ops: TensorOps, readonly lr = OPTIMIZER_DEFAULTS.rmsprop.lr, readonly decayRate = OPTIMIZER_DEFAULTS.rmsprop.decayRate) {}

  update(params: Params, grads: Params): void {
    for (const [key, W] of Object.entries(params)) this.ops.rmspropStep(W, gradientOf(grads, key), this.h.of(key, W), { lr: this.lr, decayRate: this.decayRate, eps: EPS });
  }

  snapshot(): OptimizerState {
    return { tensors: this.h.saveTo({}), step: 0 };
  }

  restore(state: OptimizerState): void {
    this.h.loadFrom(state.tensors);
  }
}

/**
 * Adam: t <- t + 1; lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t) (the bias correction, one t for all
 * parameters); m <- m + (1 - beta1)(dW - m); v <- v + (1 - beta2)(dW^2 - v); W <- W - lr_t m / (sqrt(v) + 1e-7).
 */
export class Adam implements Optimizer {
  private readonly m = new ParameterState('s1');
  private readonly v = new ParameterState('s2');
  private iter = 0;

  constructor(private readonly ops: TensorOps, readonly lr = OPTIMIZER_DEFAULTS.adam.lr, readonly beta1 = OPTIMIZER_DEFAULTS.adam.beta1, readonly beta2 = OPTIMIZER_DEFAULTS.adam.beta2) {}

  update(params: Params, grads: Params): void {
    this.iter++;
    const lrT = (this.lr * Math.sqrt(1 - this.beta2 ** this.iter)) / (1 - this.beta1 ** this.iter);
    for (const [key, W] of Object.entries(params)) {
      this.ops.adamStep(W, gradientOf(grads, key), { m: this.m.of(key, W), v: this.v.of(key, W) }, { lr: lrT, beta1: this.beta1, beta2: this.beta2, eps: EPS });
    }
  }

  snapshot(): OptimizerState {
    return { tensors: this.v.saveTo(this.m.saveTo({})), step: this.iter };
  }

  restore(state: OptimizerState): void {
    this.m.loadFrom(state.tensors);
    this.v.loadFrom(state.tensors);
    this.iter = state.step;
  }
}

/** The optimizer a spec names, with its hyperparameters. */
export function createOptimizer(spec: OptimizerSpec, ops: TensorOps): Optimizer {
  switch (spec.type) {
    case 'sgd':
      return new SGD(ops, spec.lr);
    case 'momentum':
      return new Momentum(ops, spec.lr, spec.momentum);
    case 'nesterov':
      return new Nesterov(ops, spec.lr, spec.momentum);
    case 'adagrad':
      return new AdaGrad(ops, spec.lr);
    case 'rmsprop':
      return new RMSprop(ops, spec.lr, spec.decayRate);
    case 'adam':
      return new Adam(ops, spec.lr, spec.beta1, spec.beta2);
  }
}
