/** R-CSV-3: the names of a header row: none empty, none twice. */
import type { Failure } from '../failure.js';
import { fileFailure } from './csv-failures.js';

/** The header's first problem in byte order (R-CSV-8: the first file-level problem wins), or null. */
export function checkHeaderNames(names: readonly string[]): Failure | null {
  const seen = new Map<string, number>();
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name === '') {
      return fileFailure('FILE_HEADER_EMPTY_NAME', `Column ${i + 1} of the header has no name`);
    }
    const first = seen.get(name);
    if (first !== undefined) {
      return fileFailure(
        'FILE_HEADER_DUPLICATE_NAME',
        `Column name ${JSON.stringify(name)} appears at positions ${first + 1} and ${i + 1}`,
      );
    }
    seen.set(name, i);
  }
  return null;
}

/**
 * The header record's verdict (R-CSV-3; R-CSV-8 for the order): too large first, then its quote error, then its
 * names. `names` are trimmed under TrimWhiteSpace.
 */
export function headerVerdict(
  cells: string[],
  tooLarge: Failure | null,
  quoteError: Failure | null,
  trim: boolean,
): { names: string[] } | { failure: Failure } {
  if (tooLarge !== null) return { failure: tooLarge };
  if (quoteError !== null) return { failure: quoteError };
  const names = trim ? cells.map((name) => name.trim()) : cells;
  const failure = checkHeaderNames(names);
  return failure === null ? { names } : { failure };
}
