import type { TensorOps } from '../ops';
import { describeShape, sameShape, Tensor } from '../tensor';

/**
 * The book's section 5.4/5.5 layers for scalars (the apple-and-orange shopping graph) and for tensors of
 * one shape. They are for teaching and for the graph view, not for the training hot loop.
 */
export type Value = number | Tensor;

function checkPair(name: string, x: Value, y: Value): void {
  if (x instanceof Tensor && y instanceof Tensor && !sameShape(x.shape, y.shape)) {
    throw new RangeError(`${name}: shapes ${describeShape(x.shape)} and ${describeShape(y.shape)} differ`);
  }
}

/** out = a * b for numbers, tensors of one shape, or a number and a tensor. */
function multiply(ops: TensorOps, a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (a instanceof Tensor && b instanceof Tensor) {
    const out = Tensor.zeros(a.shape, a.dtype);
    ops.mul(a, b, out);
    return out;
  }
  const tensor = (a instanceof Tensor ? a : b) as Tensor;
  const scalar = (typeof a === 'number' ? a : b) as number;
  const out = Tensor.zeros(tensor.shape, tensor.dtype);
  ops.scale(tensor, scalar, out);
  return out;
}

/** The gradient flowing to an operand of shape `like`: a scalar operand collects the sum over a tensor. */
function reduceTo(like: Value, grad: Value): Value {
  if (typeof like === 'number' && grad instanceof Tensor) {
    let sum = 0;
    for (let i = 0; i < grad.size; i++) sum += grad.data[i];
    return sum;
  }
  return grad;
}

/** The multiply node (layer_naive.py): out = x * y. */
export class MulLayer {
  private x: Value | undefined;
  private y: Value | undefined;
  private readonly ops: TensorOps;

  constructor(ops: TensorOps) {
    this.ops = ops;
  }

  forward(x: Value, y: Value): Value {
    checkPair('MulLayer', x, y);
    this.x = x;
    this.y = y;
    return multiply(this.ops, x, y);
  }

  /** Mul swaps its inputs: dx = dout * y, dy = dout * x. */
  backward(dout: Value): [Value, Value] {
    if (this.x === undefined || this.y === undefined) throw new Error('MulLayer.backward called before forward');
    return [reduceTo(this.x, multiply(this.ops, dout, this.y)), reduceTo(this.y, multiply(this.ops, dout, this.x))];
  }
}

/** The add node (layer_naive.py): out = x + y. */
export class AddLayer {
  private x: Value | undefined;
  private y: Value | undefined;
  private readonly ops: TensorOps;

  constructor(ops: TensorOps) {
    this.ops = ops;
  }

  forward(x: Value, y: Value): Value {
    checkPair('AddLayer', x, y);
    this.x = x;
    this.y = y;
    if (typeof x === 'number' && typeof y === 'number') return x + y;
    const tensor = (x instanceof Tensor ? x : y) as Tensor;
    const other = tensor === x ? y : x;
    const out = tensor.clone();
    if (other instanceof Tensor) this.ops.addScaled(out, 1, other);
    else for (let i = 0; i < out.size; i++) out.data[i] += other;
    return out;
  }

  /** Add passes the gradient through unchanged to both inputs. */
  backward(dout: Value): [Value, Value] {
    if (this.x === undefined || this.y === undefined) throw new Error('AddLayer.backward called before forward');
    return [reduceTo(this.x, dout), reduceTo(this.y, dout)];
  }
}

/** exp node of the staged sigmoid graph: y = e^x, dy/dx = y. */
export class ExpLayer {
  private out: Value | undefined;

  forward(x: Value): Value {
    this.out = mapValue(x, Math.exp);
    return this.out;
  }

  backward(dout: Value): Value {
    if (this.out === undefined) throw new Error('ExpLayer.backward called before forward');
    return zipValue(dout, this.out, (d, y) => d * y);
  }
}

/** 1/x node of the staged sigmoid graph: y = 1/x, dy/dx = -1/x^2 = -y^2. */
export class ReciprocalLayer {
  private out: Value | undefined;

  forward(x: Value): Value {
    this.out = mapValue(x, (v) => 1 / v);
    return this.out;
  }

  backward(dout: Value): Value {
    if (this.out === undefined) throw new Error('ReciprocalLayer.backward called before forward');
    return zipValue(dout, this.out, (d, y) => -d * y * y);
  }
}

function mapValue(x: Value, f: (v: number) => number): Value {
  if (typeof x === 'number') return f(x);
  const out = Tensor.zeros(x.shape, x.dtype);
  for (let i = 0; i < x.size; i++) out.data[i] = f(x.data[i]);
  return out;
}

function zipValue(a: Value, b: Value, f: (x: number, y: number) => number): Value {
  if (typeof a === 'number' && typeof b === 'number') return f(a, b);
  checkPair('zip', a, b);
  const like = (a instanceof Tensor ? a : b) as Tensor;
  const out = Tensor.zeros(like.shape, like.dtype);
  for (let i = 0; i < out.size; i++) {
    out.data[i] = f(typeof a === 'number' ? a : a.data[i], typeof b === 'number' ? b : b.data[i]);
  }
  return out;
}
