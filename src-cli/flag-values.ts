import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Command-line values checked in plain words before they reach the config schema: "--lr must be a positive
 * number, got -1" names the flag the user typed, not the config field behind it.
 */

/** Bad command-line input, in the user's own terms (the flag and what was given). */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

export type FlagKind = 'positive' | 'positive integer' | 'non-negative' | 'non-negative integer' | 'fraction';

const DESCRIPTIONS: Record<FlagKind, string> = {
  positive: 'a positive number',
  'positive integer': 'a positive integer',
  'non-negative': 'a number of 0 or more',
  'non-negative integer': 'an integer of 0 or more',
  fraction: 'a number from 0 up to (not including) 1',
};

function fits(value: number, kind: FlagKind): boolean {
  switch (kind) {
    case 'positive':
      return value > 0;
    case 'positive integer':
      return value > 0 && Number.isInteger(value);
    case 'non-negative':
      return value >= 0;
    case 'non-negative integer':
      return value >= 0 && Number.isInteger(value);
    case 'fraction':
      return value >= 0 && value < 1;
  }
}

/** The number a flag's text stands for, or a FlagError naming the flag, what it takes and what was given. */
export function flagNumber(flag: string, text: string, kind: FlagKind): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !fits(value, kind)) throw new FlagError(`--${flag} must be ${DESCRIPTIONS[kind]}, got ${JSON.stringify(text).slice(1, -1) || '""'}`);
  return value;
}

/**
 * Joins a value that starts with a dash to the flag before it (`--lr -1` becomes `--lr=-1`), so a negative
 * number reaches the value check ("must be a positive number, got -1") instead of util.parseArgs calling the
 * flag ambiguous. Only for flags that take a value, and only when the value looks like a number.
 */
function joinNegativeValues(argv: readonly string[], takesValue: (flag: string) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const next = argv[i + 1];
    if (/^--[^=]+$/.test(token) && takesValue(token.slice(2)) && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      out.push(`${token}=${next}`);
      i++;
    } else out.push(token);
  }
  return out;
}

type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * util.parseArgs, strict and without positionals, with negative numbers kept as the values of their flags
 * (joinNegativeValues); a flag it does not know, or one without its value, is refused through `refuse`.
 */
export function parseFlags<const O extends FlagOptions>(argv: readonly string[], options: O, refuse: (message: string) => Error) {
  const takesValue = (flag: string): boolean => options[flag]?.type === 'string';
  try {
    return parseArgs({ args: joinNegativeValues(argv, takesValue), options, allowPositionals: false, strict: true }).values;
  } catch (error) {
    throw refuse(error instanceof Error ? error.message : String(error));
  }
}
