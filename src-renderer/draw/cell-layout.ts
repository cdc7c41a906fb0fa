import { colourOf, gridShape, type ColourScale } from './activation-colors';

/**
 * Where a layer's units sit on its canvas: a flat grid of units, or (for images) one H x W map per channel,
 * the maps in a grid with a one-cell gap between them. `units[y * cols + x]` is the unit drawn at that cell,
 * -1 for a gap.
 */
export interface CellLayout {
  readonly cols: number;
  readonly rows: number;
  readonly units: Int32Array;
  /** A step down the grid, in units: a row of the flat grid, or a row of one channel's map. */
  readonly rowStep: number;
  /** Channel maps: their shape and how many are drawn (the values cover the first ones); undefined for a flat grid. */
  readonly maps?: { readonly channels: number; readonly shown: number; readonly height: number; readonly width: number };
}

/** `count` units in the flat grid of gridShape, in unit order. */
export function flatLayout(count: number): CellLayout {
  const { cols, rows } = gridShape(count);
  const units = new Int32Array(cols * rows).fill(-1);
  for (let i = 0; i < count; i++) units[i] = i;
  return { cols, rows, units, rowStep: cols };
}

/** The channels of a (C, H, W) output whose values are all among the first `available`, each as an H x W map. */
export function channelLayout(shape: readonly [number, number, number], available: number): CellLayout {
  const [channels, height, width] = shape;
  const area = height * width;
  const shown = Math.min(channels, Math.floor(available / area));
  if (shown === 0) return { ...flatLayout(0), maps: { channels, shown, height, width } };
  const mapCols = Math.ceil(Math.sqrt(shown));
  const mapRows = Math.ceil(shown / mapCols);
  const cols = mapCols * (width + 1) - 1;
  const rows = mapRows * (height + 1) - 1;
  const units = new Int32Array(cols * rows).fill(-1);
  for (let c = 0; c < shown; c++) {
    const ox = (c % mapCols) * (width + 1);
    const oy = Math.floor(c / mapCols) * (height + 1);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) units[(oy + y) * cols + ox + x] = c * area + y * width + x;
  }
  return { cols, rows, units, rowStep: width, maps: { channels, shown, height, width } };
}

/** The canvas's RGBA bytes: each unit's colour at its cell, gaps transparent. */
export function layoutPixels(values: readonly number[], scale: ColourScale, layout: CellLayout): Uint8ClampedArray {
  const out = new Uint8ClampedArray(layout.cols * layout.rows * 4);
  layout.units.forEach((unit, cell) => {
    if (unit < 0 || unit >= values.length) return;
    const [r, g, b] = colourOf(values[unit]!, scale);
    out.set([r, g, b, 255], cell * 4);
  });
  return out;
}

/** A unit as a person reads it: "unit 7", or in channel maps "channel 2 (row 3, column 4)", counted from 0 like the units. */
export function unitName(unit: number, layout: CellLayout): string {
  const maps = layout.maps;
  if (!maps) return `unit ${unit}`;
  const area = maps.height * maps.width;
  const within = unit % area;
  return `channel ${Math.floor(unit / area)} (row ${Math.floor(within / maps.width)}, column ${within % maps.width})`;
}
