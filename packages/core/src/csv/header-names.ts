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
