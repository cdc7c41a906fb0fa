import { describeShape } from './tensor';

/** A window sliding over images, for convolution and pooling: its height and width, stride and zero padding. */
export interface Window {
  readonly height: number;
  readonly width: number;
  readonly stride: number;
  readonly pad: number;
}

/** out = (size + 2 pad - filter) / stride + 1, floored like the book's //; undefined when the window does not fit. */
export function slidingOutputSize(size: number, filter: number, stride: number, pad: number): number | undefined {
  const room = size + 2 * pad - filter;
  return room < 0 ? undefined : Math.floor(room / stride) + 1;
}

/** (out_h, out_w) of a window over (.., H, W) images, or a RangeError naming `what` and the shapes. */
export function windowOutput(what: string, image: readonly number[], window: Window): [number, number] {
  const { height, width, stride, pad } = window;
  if (![height, width, stride].every((d) => Number.isInteger(d) && d >= 1) || !(Number.isInteger(pad) && pad >= 0)) {
    throw new RangeError(`${what}: a ${height}x${width} window with stride ${stride} and pad ${pad} needs whole numbers, at least 1 (pad at least 0)`);
  }
  const [h, w] = image.slice(-2);
  const outH = slidingOutputSize(h, window.height, window.stride, window.pad);
  const outW = slidingOutputSize(w, window.width, window.stride, window.pad);
  if (outH === undefined || outW === undefined) {
    throw new RangeError(`${what}: a ${window.height}x${window.width} window does not fit ${describeShape(image)} images padded by ${window.pad}`);
  }
  return [outH, outW];
}
