/**
 * `tsbatch serve`'s request log (issue 18): one line per request made 102,918 lines of one load, so by default the
 * requests are summed up, at most one line per SUMMARY_INTERVAL_MS (and one at the end): how many, of which
 * operations, with which statuses. `--log-requests` logs one line per request, as before.
 */
import type { RequestLogEntry } from '@tsbatch/local';

/** [choice] A summary line at most every 10 s, only when there were requests. */
export const SUMMARY_INTERVAL_MS = 10_000;

export interface RequestLog {
  add(request: RequestLogEntry): void;
  /** Writes what is counted and not written yet. */
  flush(): void;
  close(): void;
}

const n = (v: number): string => v.toLocaleString('en-US');

function sorted(counts: Map<string, number>): string {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([key, count]) => `${key} ${n(count)}`)
    .join(', ');
}

/** The summary of `entries` over `seconds`: `requests: 1,203 in 10.0 s: WriteRecords 1,200, ...; 200 1,198, ...`. */
export function summarizeRequests(entries: readonly RequestLogEntry[], seconds: number): string {
  const operations = new Map<string, number>();
  const statuses = new Map<string, number>();
  let slowest = 0;
  for (const e of entries) {
    operations.set(e.operation, (operations.get(e.operation) ?? 0) + 1);
    const status = e.status === 0 ? 'dropped' : String(e.status);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    slowest = Math.max(slowest, e.ms);
  }
  return (
    `requests: ${n(entries.length)} in ${seconds.toFixed(1)} s: ${sorted(operations)}; ` +
    `status ${sorted(statuses)}; slowest ${n(slowest)} ms`
  );
}

/** Summary lines through `write`, on a timer (unref'd: it never keeps the process alive). */
export function createRequestLog(
  write: (line: string) => void,
  options: { intervalMs?: number; clock?: () => number } = {},
): RequestLog {
  const clock = options.clock ?? Date.now;
  const intervalMs = options.intervalMs ?? SUMMARY_INTERVAL_MS;
  let pending: RequestLogEntry[] = [];
  let since = clock();
  const flush = (): void => {
    const now = clock();
    if (pending.length > 0) write(summarizeRequests(pending, (now - since) / 1000));
    pending = [];
    since = now;
  };
  const timer = setInterval(flush, intervalMs);
  timer.unref();
  return {
    add(request): void {
      pending.push(request);
    },
    flush,
    close(): void {
      clearInterval(timer);
      flush();
    },
  };
}
