/** Rounded for the picture; the exact float64 goes in a tooltip and data-exact. */
export const rounded = (value: number): string => String(Number(value.toPrecision(6)));
