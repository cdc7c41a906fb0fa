const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON text nests arrays and objects deeper than `limit`, found by one pass over the bytes before
 * anything is parsed: a frame of 48 MB of `[` would otherwise be built into a value, and code that walks
 * values recursively would overflow its stack. Brackets inside strings do not count; strings are skipped
 * with Buffer.indexOf, so a long base64 string costs next to nothing. Malformed text is left to JSON.parse.
 */
export function jsonNestedDeeperThan(bytes: Buffer, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) {
      // Find the closing quote: the next one not escaped by an odd number of backslashes.
      for (;;) {
        const quote = bytes.indexOf(QUOTE, i + 1);
        if (quote < 0) return false;
        let backslashes = 0;
        while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
        i = quote;
        if (backslashes % 2 === 0) break;
      }
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}
