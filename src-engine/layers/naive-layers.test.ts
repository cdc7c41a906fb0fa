import { describe, expect, it } from 'vitest';
import { createTsBackend } from '../backends/ts-backend';
import { TensorOps } from '../ops';
import { Tensor } from '../tensor';
import { Sigmoid } from './sigmoid';
import { AddLayer, ExpLayer, MulLayer, ReciprocalLayer } from './naive-layers';

const ops = new TensorOps(createTsBackend());

describe('the book\'s shopping graph (section 5.4)', () => {
  it('apples: price 220 and its gradients', () => {
    const mulApple = new MulLayer(ops);
    const mulTax = new MulLayer(ops);
    const applePrice = mulApple.forward(100, 2);
    const price = mulTax.forward(applePrice, 1.1);
    expect(price).toBeCloseTo(220, 10);
    const [dApplePrice, dTax] = mulTax.backward(1);
    const [dApple, dAppleNum] = mulApple.backward(dApplePrice);
    expect(dApple).toBeCloseTo(2.2, 12);
    expect(dAppleNum).toBeCloseTo(110, 10);
    expect(dTax).toBe(200);
  });

  it('apples and oranges: price 715 and the six gradients, bit for bit as float64 computes them', () => {
    const mulApple = new MulLayer(ops);
    const mulOrange = new MulLayer(ops);
    const addFruit = new AddLayer(ops);
    const mulTax = new MulLayer(ops);
    const applePrice = mulApple.forward(100, 2);
    const orangePrice = mulOrange.forward(150, 3);
    const all = addFruit.forward(applePrice, orangePrice);
    const price = mulTax.forward(all, 1.1);
    const [dAll, dTax] = mulTax.backward(1);
    const [dApplePrice, dOrangePrice] = addFruit.backward(dAll);
    const [dOrange, dOrangeNum] = mulOrange.backward(dOrangePrice);
    const [dApple, dAppleNum] = mulApple.backward(dApplePrice);
    expect(price).toBe(715.0000000000001);
    expect(dApple).toBe(2.2);
    expect(dAppleNum).toBe(110.00000000000001);
    expect(dOrange).toBe(3.3000000000000003);
    expect(dOrangeNum).toBe(165);
    expect(dTax).toBe(650);
  });

  it('Mul and Add work elementwise on tensors, and a scalar operand collects the summed gradient', () => {
    const mul = new MulLayer(ops);
    const x = Tensor.from([1, 2, 3], [3], 'float64');
    const y = Tensor.from([4, 5, 6], [3], 'float64');
    expect(Array.from((mul.forward(x, y) as Tensor).data)).toEqual([4, 10, 18]);
    const [dx, dy] = mul.backward(Tensor.from([1, 1, 1], [3], 'float64'));
    expect(Array.from((dx as Tensor).data)).toEqual([4, 5, 6]);
    expect(Array.from((dy as Tensor).data)).toEqual([1, 2, 3]);
    const scale = new MulLayer(ops);
    scale.forward(x, 2);
    const [, dScalar] = scale.backward(Tensor.from([1, 1, 1], [3], 'float64'));
    expect(dScalar).toBe(6);
    const add = new AddLayer(ops);
    expect(Array.from((add.forward(x, y) as Tensor).data)).toEqual([5, 7, 9]);
    expect(() => add.forward(x, Tensor.zeros([2], 'float64'))).toThrow(/shapes \(3\) and \(2\)/);
  });
});

describe('Sigmoid as a staged graph (section 5.5.2)', () => {
  it('x -> *(-1) -> exp -> +1 -> 1/x gives the same forward and backward as the Sigmoid layer', () => {
    const values = [-30, -3, -0.5, 0, 0.7, 2, 25];
    const x = Tensor.from(values, [values.length], 'float64');
    const negate = new MulLayer(ops);
    const exp = new ExpLayer();
    const addOne = new AddLayer(ops);
    const reciprocal = new ReciprocalLayer();
    const staged = reciprocal.forward(addOne.forward(exp.forward(negate.forward(x, -1)), 1)) as Tensor;
    const dout = Tensor.from([1, 0.5, -2, 3, 1, 1, 4], [values.length], 'float64');
    const [dNegated] = negate.backward(exp.backward(addOne.backward(reciprocal.backward(dout))[0]));

    const sigmoid = new Sigmoid(ops);
    const y = sigmoid.forward(x).clone();
    const dx = sigmoid.backward(dout);
    for (let i = 0; i < values.length; i++) {
      // Both are a few float64 operations from the same value: agreement to 1e-15 relative.
      expect(staged.data[i]).toBeCloseTo(y.data[i], 14);
      expect((dNegated as Tensor).data[i]).toBeCloseTo(dx.data[i], 14);
      // and the collapsed local gradient is y(1 - y)
      expect(dx.data[i]).toBeCloseTo(dout.data[i] * y.data[i] * (1 - y.data[i]), 15);
    }
  });
});
