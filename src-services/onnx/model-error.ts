/** An .onnx file this app refuses or cannot run: the message names the file and the problem in plain words. */
export class OnnxModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxModelError';
  }
}

/** Throws the problem as an OnnxModelError prefixed with the file's name. */
export type Refuse = (problem: string) => never;

export const refuserFor =
  (source: string): Refuse =>
  (problem) => {
    throw new OnnxModelError(`${source}: ${problem}`);
  };

/** A name taken from the file, quoted and shortened: it may hold anything, newlines included. */
export function quote(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name);
}

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'more bytes than a double counts';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

export const formatDims = (dims: readonly number[]): string => `[${dims.join(', ')}]`;
