import type { LocalStore } from '../store.js';
import type { BatchLoadRunner } from './batch-load-runner.js';
import type { Json } from './constraints.js';

/** What every operation may use. */
export interface OperationContext {
  store: LocalStore;
  clock: () => Date;
  /** The endpoint DescribeEndpoints answers with, for the client that asks (R-LOCAL-1). */
  endpointAddress: string;
  runner: BatchLoadRunner;
}

/** One operation of the API: the request body in, the response body out, or a ServiceError thrown. */
export type Operation = (input: Json, ctx: OperationContext) => Json | Promise<Json>;

/** Times are epoch seconds (with a fraction) on the wire; the store keeps ISO strings. */
export function epochSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

/** A copy of `object` with the named ISO time members as epoch seconds. */
export function withEpochTimes<T extends object>(object: T, members: readonly string[]): Json {
  const out: Json = { ...(object as Json) };
  for (const m of members) {
    const v = out[m];
    if (typeof v === 'string') out[m] = epochSeconds(v);
  }
  return out;
}
