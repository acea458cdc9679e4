/**
 * A record's time as the report counts it (content-stats.ts): ms since the epoch, as a double (the histograms need
 * no more precision).
 */
import type { TimestreamRecord } from '../../map/record.js';
import type { TimeUnit } from '../../task.js';

/**
 * The time digits `time` in `unit` (R-TIME-1: only digits get this far), in ms. Read by hand: Number() of a string
 * cost ~40 ns a row. The last nine digits are summed in int32 arithmetic (they fit), the ones before them (at most
 * ten more, an instant in ns) as a double: the double's step is a multiply-add with a latency of several cycles, the
 * int32 one a single cycle or two, and the time is read for every row the report counts.
 */
export function timeDigitsMs(time: string, unit: TimeUnit): number {
  const n = time.length;
  let i = 0;
  let high = 0;
  for (; i < n - 9; i++) high = high * 10 + (time.charCodeAt(i) - 48);
  let low = 0;
  for (; i < n; i++) low = (low * 10 + (time.charCodeAt(i) - 48)) | 0;
  return (high * 1e9 + low) * unitMs(unit);
}

/** Milliseconds in one `unit` (what timeDigitsMs multiplies by). */
export function unitMs(unit: TimeUnit): number {
  return unit === 'SECONDS' ? 1000 : unit === 'MILLISECONDS' ? 1 : unit === 'MICROSECONDS' ? 1e-3 : 1e-6;
}

/** A record's time in ms (timeDigitsMs); NaN for none. */
export function recordTimeMs(record: TimestreamRecord | undefined): number {
  return record === undefined ? NaN : timeDigitsMs(record.Time, record.TimeUnit);
}
