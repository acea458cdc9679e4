/**
 * "Did you mean" suggestions for unknown members (R-VAL-1) and missing header columns (R-VAL-8): a candidate is
 * close when it matches ignoring case, differs only by a plural `s`, is within a small edit distance, or is the
 * long form of an abbreviation.
 */

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), capped at `limit + 1`. */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  let prevPrev: number[] = [];
  let prev = Array.from({ length: cols }, (_, j) => j);
  for (let i = 1; i < rows; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, prevPrev[j - 2]! + 1);
      }
      row.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    prevPrev = prev;
    prev = row;
  }
  return prev[cols - 1]!;
}

/** `spd` for `speed`, `wgt` for `weight`: same first letter, every letter in order. */
function isAbbreviation(short: string, long: string): boolean {
  if (short.length < 2 || short.length >= long.length || short[0] !== long[0]) return false;
  let i = 0;
  for (const c of long) if (c === short[i]) i++;
  return i === short.length;
}

function singular(word: string): string {
  return word.endsWith('s') ? word.slice(0, -1) : word;
}

/**
 * The closest candidate to `input`, or `undefined` when none is close. Ties keep the candidates' order.
 * Short inputs tolerate fewer edits, so `id` does not suggest `ts`.
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  if (input.length > 1000) return undefined;
  const lower = input.toLowerCase();
  const limit = Array.from(input).length <= 3 ? 1 : 2;
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const other = candidate.toLowerCase();
    let score: number;
    if (other === lower) score = 0;
    else if (singular(other) === singular(lower)) score = 0.5;
    else if (other.trim() === lower.trim()) score = 0.5;
    else {
      const distance = editDistance(lower, other, limit);
      if (distance <= limit && distance < Math.min(lower.length, other.length)) score = distance;
      else if (isAbbreviation(lower, other)) score = limit + 0.5;
      else continue;
    }
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
