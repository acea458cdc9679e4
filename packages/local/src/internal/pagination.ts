/**
 * NextToken/MaxResults for ListDatabases and ListTables: the token is the position (sort key) of the last item
 * returned, base64url-encoded, so it stays valid while items are added or deleted and means nothing to callers.
 */
import { ServiceError } from '../errors.js';

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** One page of `items` (already sorted by `keyOf`), after the position in `nextToken`. */
export function paginate<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  maxResults: number,
  nextToken: string | undefined,
): Page<T> {
  let from = 0;
  if (nextToken !== undefined) {
    const after = decode(nextToken);
    from = items.findIndex((item) => keyOf(item) > after);
    if (from < 0) from = items.length;
  }
  const page = items.slice(from, from + maxResults);
  const last = page[page.length - 1];
  return from + maxResults < items.length && last !== undefined
    ? { items: page, nextToken: encode(keyOf(last)) }
    : { items: page };
}

function encode(key: string): string {
  return Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64url');
}

function decode(token: string): string {
  try {
    const json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof json.after === 'string') return json.after;
  } catch {
    // falls through
  }
  throw new ServiceError('ValidationException', 'The NextToken is invalid.');
}
