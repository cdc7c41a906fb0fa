import { parseArgs, type ParseArgsConfig } from 'node:util';
import { suggestion } from './did-you-mean';

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

/** One of a flag's named values (case-insensitive), or a FlagError listing them with the closest one. */
export function flagChoice<const C extends string>(flag: string, text: string, choices: readonly C[]): C {
  const match = choices.find((choice) => choice === text.trim().toLowerCase());
  if (match !== undefined) return match;
  throw new FlagError(`--${flag} must be ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}, got "${text}"${suggestion(text.trim(), choices)}`);
}

type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * What util.parseArgs would refuse, said in the user's terms before it is asked: an unknown flag (with the
 * closest known one), a flag missing its value, a switch given a value, a word that is not a flag.
 */
function checkTokens(argv: readonly string[], options: FlagOptions): string | undefined {
  const names = Object.keys(options);
  const flags = names.map((name) => `--${name}`);
  const shorts = new Map(Object.entries(options).flatMap(([name, option]) => (option.short ? [[option.short, name]] : [])));
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') return 'nothing may follow "--": every option is a --flag';
    const long = /^--([^=]*)(=.*)?$/.exec(token);
    const short = /^-([^-])$/.exec(token);
    const name = long ? long[1]! : short ? shorts.get(short[1]!) : undefined;
    if (!long && !short) return `unexpected "${token}": options start with --${suggestion(token, names, (n) => `--${n}`)}`;
    if (name === undefined || options[name] === undefined) return `unknown option ${token.split('=')[0]}${suggestion(token.split('=')[0]!, flags)}; see --help`;
    const takesValue = options[name].type === 'string';
    if (!takesValue && long?.[2] !== undefined) return `--${name} is a switch and takes no value, got "${token}"`;
    if (takesValue && long?.[2] === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (/^-/.test(next) && !/^-(\d|\.\d|Infinity)/.test(next))) return `--${name} needs a value`;
      i++;
    }
  }
  return undefined;
}

/**
 * util.parseArgs, strict and without positionals, with negative numbers kept as the values of their flags
 * (joinNegativeValues); a flag it does not know, or one without its value, is refused through `refuse`.
 */
export function parseFlags<const O extends FlagOptions>(argv: readonly string[], options: O, refuse: (message: string) => Error) {
  const problem = checkTokens(argv, options);
  if (problem) throw refuse(problem);
  const takesValue = (flag: string): boolean => options[flag]?.type === 'string';
  try {
    return parseArgs({ args: joinNegativeValues(argv, takesValue), options, allowPositionals: false, strict: true }).values;
  } catch (error) {
    throw refuse(error instanceof Error ? error.message : String(error));
  }
}
