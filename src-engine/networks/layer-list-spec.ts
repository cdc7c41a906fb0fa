import { describeShape } from '../tensor';
import { slidingOutputSize } from '../window';
import type { WeightInit } from './network-spec';

/** One entry of a layer list: what chapter 7's and chapter 8's networks are built from. */
export type LayerSpec =
  | { readonly type: 'conv'; readonly filters: number; readonly size: number; readonly stride: number; readonly pad: number }
  | { readonly type: 'pool'; readonly size: number; readonly stride: number }
  | { readonly type: 'affine'; readonly units: number }
  | { readonly type: 'relu' }
  | { readonly type: 'sigmoid' }
  | { readonly type: 'batchnorm' }
  | { readonly type: 'dropout'; readonly ratio: number };

/**
 * A network as a list of layers over (C, H, W) images, ending in SoftmaxWithLoss: the last layer must give
 * `output` class scores. Weights are drawn with weightInit for the fan-in C*FH*FW (conv) or the input size (affine).
 */
export interface LayerListSpec {
  readonly input: readonly [channels: number, height: number, width: number];
  readonly layers: readonly LayerSpec[];
  readonly output: number;
  readonly weightInit: WeightInit;
  /** L2 weight decay lambda: loss += 0.5*lambda*sum(W^2) over every conv and affine W (not biases); 0 when absent. */
  readonly weightDecay?: number;
  /** The 1e-7 added inside the log of the cross-entropy (the default when absent); 0 turns it off. */
  readonly lossDelta?: number;
}

/** A layer as the error messages name it: layers[2] (conv 16 filters 3x3). */
function describeLayer(spec: LayerSpec, index: number): string {
  const what = spec.type === 'conv' ? `conv ${spec.filters} filters ${spec.size}x${spec.size}` : spec.type === 'pool' ? `pool ${spec.size}x${spec.size}` : spec.type === 'affine' ? `affine ${spec.units}` : spec.type;
  return `layers[${index}] (${what})`;
}

function requireInteger(where: string, field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${where}: ${field} must be a whole number of at least ${min}, got ${value}`);
}

/** The per-sample shape after one layer, given the shape before it; `from` names what gives that shape. */
function nextShape(spec: LayerSpec, where: string, shape: readonly number[], from: string): number[] {
  switch (spec.type) {
    case 'conv':
    case 'pool': {
      if (shape.length !== 3) throw new RangeError(`${where} needs images (C, H, W), but ${from} gives ${describeShape(shape)}`);
      requireInteger(where, 'size', spec.size, 1);
      requireInteger(where, 'stride', spec.stride, 1);
      const pad = spec.type === 'conv' ? spec.pad : 0;
      if (spec.type === 'conv') {
        requireInteger(where, 'filters', spec.filters, 1);
        requireInteger(where, 'pad', pad, 0);
      }
      const [c, h, w] = shape;
      const outH = slidingOutputSize(h, spec.size, spec.stride, pad);
      const outW = slidingOutputSize(w, spec.size, spec.stride, pad);
      if (outH === undefined || outW === undefined) {
        throw new RangeError(`${where}: its ${spec.size}x${spec.size} window does not fit the ${h}x${w} images ${from} gives ${describeShape(shape)}${pad ? ` padded by ${pad}` : ''}`);
      }
      return [spec.type === 'conv' ? spec.filters : c, outH, outW];
    }
    case 'affine':
      requireInteger(where, 'units', spec.units, 1);
      return [spec.units];
    case 'dropout':
      if (!(spec.ratio >= 0 && spec.ratio < 1)) throw new RangeError(`${where}: ratio must be at least 0 and below 1, got ${spec.ratio}`);
      return [...shape];
    default:
      return [...shape];
  }
}

/**
 * The per-sample shape before and after every layer: shapes[0] is the input, shapes[i + 1] what layers[i]
 * gives. A layer that does not fit the shape it gets is refused with a RangeError naming it and the shapes.
 */
export function layerShapes(spec: LayerListSpec): number[][] {
  if (spec.input.length !== 3) throw new RangeError(`input must be (C, H, W), got ${describeShape(spec.input)}`);
  spec.input.forEach((d, i) => requireInteger('input', ['C', 'H', 'W'][i], d, 1));
  requireInteger('output', 'the number of classes', spec.output, 1);
  const shapes: number[][] = [[...spec.input]];
  spec.layers.forEach((layer, i) => {
    const from = i === 0 ? 'the input' : describeLayer(spec.layers[i - 1], i - 1);
    shapes.push(nextShape(layer, describeLayer(layer, i), shapes[i], from));
  });
  const last = shapes[shapes.length - 1];
  if (last.length !== 1 || last[0] !== spec.output) {
    const from = spec.layers.length === 0 ? 'the input' : describeLayer(spec.layers[spec.layers.length - 1], spec.layers.length - 1);
    throw new RangeError(`the network must end in ${spec.output} class scores, but ${from} gives ${describeShape(last)}: end the list with an affine of ${spec.output} units`);
  }
  return shapes;
}

/**
 * The book's ch7 SimpleConvNet: Conv1 -> Relu1 -> Pool1 (2x2, stride 2) -> Affine1 -> Relu2 -> Affine2, weights
 * 0.01 * randn (defaults: input (1, 28, 28), 30 filters 5x5, pad 0, stride 1, hidden 100, output 10).
 */
export function simpleConvNet(options: { input?: readonly [number, number, number]; filters?: number; size?: number; pad?: number; stride?: number; hidden?: number; output?: number; weightInit?: WeightInit } = {}): LayerListSpec {
  const { input = [1, 28, 28], filters = 30, size = 5, pad = 0, stride = 1, hidden = 100, output = 10, weightInit = 0.01 } = options;
  return {
    input,
    layers: [{ type: 'conv', filters, size, stride, pad }, { type: 'relu' }, { type: 'pool', size: 2, stride: 2 }, { type: 'affine', units: hidden }, { type: 'relu' }, { type: 'affine', units: output }],
    output,
    weightInit,
  };
}

/**
 * The book's ch8 DeepConvNet: six 3x3 convolutions (16, 16, 32, 32 with pad 2, 64, 64) with ReLU, a 2x2 pooling
 * after every second, Affine 50 -> ReLU -> Dropout 0.5 -> Affine 10 -> Dropout 0.5; He initialisation.
 */
export function deepConvNet(): LayerListSpec {
  const conv = (filters: number, pad = 1): LayerSpec[] => [{ type: 'conv', filters, size: 3, stride: 1, pad }, { type: 'relu' }];
  const pool: LayerSpec = { type: 'pool', size: 2, stride: 2 };
  return {
    input: [1, 28, 28],
    layers: [...conv(16), ...conv(16), pool, ...conv(32), ...conv(32, 2), pool, ...conv(64), ...conv(64), pool, { type: 'affine', units: 50 }, { type: 'relu' }, { type: 'dropout', ratio: 0.5 }, { type: 'affine', units: 10 }, { type: 'dropout', ratio: 0.5 }],
    output: 10,
    weightInit: 'he',
  };
}
