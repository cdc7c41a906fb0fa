/**
 * "Did you mean --lr?": the known word closest to a mistyped one, by edit distance (insertions, deletions,
 * substitutions and swapped neighbours each cost 1), if it is close enough to be the likely intent.
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  const typed = word.toLowerCase();
  let best: { word: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(typed, candidate.toLowerCase());
    if (!best || distance < best.distance) best = { word: candidate, distance };
  }
  // One edit for short words, two for longer ones; a typed prefix of a longer flag also counts (--iter).
  const limit = typed.length <= 4 ? 1 : 2;
  if (best && best.distance <= limit) return best.word;
  const prefixed = known.filter((candidate) => typed.length >= 3 && candidate.toLowerCase().startsWith(typed));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** " (did you mean X?)" or nothing. */
export function suggestion(word: string, known: readonly string[], show: (word: string) => string = (w) => w): string {
  const match = closest(word, known);
  return match === undefined ? '' : ` (did you mean ${show(match)}?)`;
}

/** Optimal string alignment distance: Levenshtein plus the swap of two neighbouring letters. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = value;
    }
  }
  return d[rows * cols - 1]!;
}
