/** One field that two configs set differently; a side is undefined where that config does not have it. */
export interface ConfigDifference {
  /** Where, as a path: "optimizer.lr", "network.hiddenSizes", "layers[2].size". */
  readonly path: string;
  readonly a: string | undefined;
  readonly b: string | undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A list of plain values is one field ([50, 100]); a list of objects is walked item by item. */
const isLeafList = (value: unknown): value is unknown[] => Array.isArray(value) && value.every((v) => !isObject(v) && !Array.isArray(v));

/** How a value reads in the diff: text as it is, lists in brackets, everything else as JSON. */
function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  return JSON.stringify(value) ?? String(value);
}

/** Every field of a config as path → its value as shown, in the config's own order. */
function flatten(value: unknown, path = '', into = new Map<string, string>()): Map<string, string> {
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, path ? `${path}.${key}` : key, into);
  } else if (Array.isArray(value) && !isLeafList(value)) {
    value.forEach((child, i) => flatten(child, `${path}[${i}]`, into));
  } else {
    into.set(path || '(config)', show(value));
  }
  return into;
}

/** The fields two configs set differently, deep fields as paths: A's order first, then fields only B has. */
export function configDiff(a: unknown, b: unknown): ConfigDifference[] {
  const left = flatten(a);
  const right = flatten(b);
  const differences: ConfigDifference[] = [];
  for (const [path, value] of left) if (right.get(path) !== value) differences.push({ path, a: value, b: right.get(path) });
  for (const [path, value] of right) if (!left.has(path)) differences.push({ path, a: undefined, b: value });
  return differences;
}
