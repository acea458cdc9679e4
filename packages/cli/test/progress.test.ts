/** Issue 18.5: progress off a terminal, ETA formatting, and a stop message nothing draws over. */
import { describe, expect, it } from 'vitest';
import {
  createProgress,
  elapsedLine,
  formatDuration,
  formatElapsed,
  PLAIN_INTERVAL_MS,
} from '../src/internal/progress.js';
import { summarizeRequests, createRequestLog } from '../src/internal/request-log.js';
import { sink } from './helpers.js';

const MIB = 1024 * 1024;

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59.4, '59s'],
    [59.6, '1m00s'],
    [119.5, '2m00s'],
    [179.6, '3m00s'], // was `2m60s`
    [3599.6, '1h00m'],
    [3661, '1h01m'],
    [7 * 3600 + 29 * 60 + 59.9, '7h30m'],
    [Number.POSITIVE_INFINITY, '?'],
  ])('shows %s s as %s, never 60 seconds or minutes', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('gives elapsed times and rates for summaries', () => {
    expect(formatElapsed(420)).toBe('0.4 s');
    expect(formatElapsed(125_000)).toBe('2m05s');
    expect(elapsedLine(2_000, 1_000_000)).toBe('2.0 s, 500,000 rows/s');
    expect(elapsedLine(0, 5, 'records')).toBe('0.0 s, 0 records/s');
  });
});

describe('createProgress off a terminal (ETL logs, CI)', () => {
  it('prints a plain line at most every 5 s, with rows, bytes, rate and ETA', () => {
    let now = 1_000_000;
    const err = sink();
    const progress = createProgress(err, 100 * MIB, { clock: () => now });
    for (let s = 1; s <= 12; s++) {
      now += 1000;
      progress.update(s * 5 * MIB, s * 50_000);
    }
    expect(PLAIN_INTERVAL_MS).toBe(5_000);
    expect(err.writes).toEqual([
      'progress: 25% 25 MiB of 100 MiB, 250,000 rows, 50,000 rows/s, 5.0 MiB/s, ETA 15s\n',
      'progress: 50% 50 MiB of 100 MiB, 500,000 rows, 50,000 rows/s, 5.0 MiB/s, ETA 10s\n',
    ]);
  });

  it('prints nothing for a run shorter than the interval, and nothing after the stop message', () => {
    let now = 0;
    const err = sink();
    const progress = createProgress(err, MIB, { clock: () => now });
    progress.update(MIB / 2, 10);
    progress.interrupt('SIGINT: stopping');
    now += 60_000;
    progress.update(MIB, 20);
    progress.stop();
    expect(err.text).toBe('SIGINT: stopping\n');
  });
});

describe('createProgress on a terminal', () => {
  it('clears the bar before the stop message and never draws it again', () => {
    let now = 0;
    const err = sink(true);
    const progress = createProgress(err, 10 * MIB, { clock: () => now });
    now += 1000;
    progress.update(MIB, 1000);
    progress.interrupt('SIGINT: stopping; calls in flight finish');
    const atStop = err.writes.length;
    expect(err.writes[atStop - 1]).toBe('SIGINT: stopping; calls in flight finish\n');
    now += 5000;
    progress.update(5 * MIB, 5000);
    progress.stop();
    expect(err.writes.length).toBe(atStop);
    // The ETA is ours: 9 MiB left at 1 MiB/s.
    expect(err.text).toMatch(/ETA 9s/);
  });
});

describe("tsbatch serve's request summary", () => {
  it('sums requests up by operation and status', () => {
    const line = summarizeRequests(
      [
        { operation: 'WriteRecords', status: 200, ms: 3 },
        { operation: 'WriteRecords', status: 419, ms: 9 },
        { operation: 'WriteRecords', status: 0, ms: 1 },
        { operation: 'DescribeTable', status: 200, ms: 2 },
      ],
      10,
    );
    expect(line).toBe(
      'requests: 4 in 10.0 s: WriteRecords 3, DescribeTable 1; status 200 2, 419 1, dropped 1; slowest 9 ms',
    );
  });

  it('writes one line per flush, and none when nothing came', () => {
    let now = 0;
    const lines: string[] = [];
    const log = createRequestLog((l) => lines.push(l), { clock: () => now, intervalMs: 60_000 });
    log.flush();
    log.add({ operation: 'ListTables', status: 200, ms: 1 });
    now += 2500;
    log.close();
    expect(lines).toEqual(['requests: 1 in 2.5 s: ListTables 1; status 200 1; slowest 1 ms']);
  });
});
