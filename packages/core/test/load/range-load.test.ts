/**
 * The dry run in byte ranges (range-load.ts) gives the sequential dry run's result exactly: counts, metered
 * bytes, error report with its line ranges, failure summary, warnings and rejects in order, whatever the range
 * size, on hostile inputs (quoted newlines across split points, blank lines, CRLF, invalid UTF-8, unterminated
 * quotes, duplicates and version conflicts across ranges). Ranges run in-process here, shuffled in time; the
 * worker-thread runner is tested in @tsbatch/parallel.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  dryRun,
  dryRunInRanges,
  runRangeJob,
  type DryRunOptions,
  type RangeJob,
  type RangeOutcome,
  type RejectEntry,
  type ResolvedSource,
  type ResolvedTask,
} from '../../src/index.js';
import { FLEET_HEADER, fleetTask, sourceOf } from '../dry-run-fixtures.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const NOW = new Date('2024-05-01T01:30:00Z');
const TABLE = {
  memoryStoreRetentionPeriodInHours: 24,
  magneticStoreRetentionPeriodInDays: 0,
  enableMagneticStoreWrites: false,
};

/** Runs jobs in-process, finishing them out of order (a later range may finish first, as with workers). */
function shuffledRunner(seed: number): { run: (job: RangeJob) => Promise<RangeOutcome>; jobs: RangeJob[] } {
  const jobs: RangeJob[] = [];
  let n = seed;
  return {
    jobs,
    run: async (job) => {
      jobs.push(job);
      n = (n * 1103515245 + 12345) & 0x7fffffff;
      for (let i = n % 3; i > 0; i--) await new Promise((resolve) => setImmediate(resolve));
      return runRangeJob(structuredClone(job));
    },
  };
}

async function both(
  task: ResolvedTask,
  source: ResolvedSource,
  rangeBytes: number,
  options: DryRunOptions = {},
): Promise<{ sequential: unknown; ranged: unknown; jobs: RangeJob[] }> {
  const seqRejects: RejectEntry[] = [];
  const rangedRejects: RejectEntry[] = [];
  const sequential = await dryRun(task, source, {
    now: NOW,
    table: TABLE,
    ...options,
    onReject: (e) => void seqRejects.push(e),
  });
  const runner = shuffledRunner(rangeBytes);
  const ranged = await dryRunInRanges(task, source, runner.run, {
    now: NOW,
    table: TABLE,
    ...options,
    rangeBytes,
    inFlight: 3,
    onReject: (e) => void rangedRejects.push(e),
  });
  return {
    sequential: { ...sequential, rejects: seqRejects },
    ranged: { ...ranged, rejects: rangedRejects },
    jobs: runner.jobs,
  };
}

const T0 = 1714521600; // 2024-05-01T00:00:00Z

function fleetRow(i: number, extra = ''): string {
  return `${T0 + (i % 50)},truck-${i % 7},"REG ${i % 5}",${i},${i % 90}.5,${i % 10},${i * 3}${extra}`;
}

describe('dryRunInRanges (parallel reading) equals the sequential dry run', () => {
  it('on a clean file cut into many ranges, with duplicates and version conflicts across ranges', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => fleetRow(i));
    // Conflicting rewrites of early points, far from them (another range).
    rows.push(`${T0},truck-0,"REG 0",1,2.5,3,4`, `${T0 + 1},truck-1,"REG 1",1,1.5,1,3`);
    const source = sourceOf({ 'a.csv': `${FLEET_HEADER}\n${rows.join('\n')}\n` });
    for (const rangeBytes of [64, 500, 4096, 1 << 20]) {
      const { sequential, ranged, jobs } = await both(fleetTask(), source, rangeBytes);
      expect(ranged).toEqual(sequential);
      if (rangeBytes === 64) expect(jobs.length).toBeGreaterThan(100);
    }
  });

  it('R-CSV-5: quoted newlines across split points give the same line numbers (re-read from the proven start)', async () => {
    const rows: string[] = [];
    for (let i = 0; i < 60; i++) {
      // A quoted registration that holds newlines and quoted quotes: many guessed starts fall inside it.
      rows.push(i % 3 === 0 ? fleetRow(i).replace(`"REG ${i % 5}"`, `"REG\n${i}\n""x""\n\n"`) : fleetRow(i));
      if (i % 11 === 0) rows.push('', '\r'); // blank lines, and a lone CR (data: a one-field row)
    }
    const source = sourceOf({ 'q.csv': `${FLEET_HEADER}\r\n${rows.join('\r\n')}` });
    for (const rangeBytes of [1, 7, 33, 100, 1000]) {
      const { sequential, ranged } = await both(fleetTask(), source, rangeBytes);
      expect(ranged).toEqual(sequential);
    }
  });

  it('R-CSV-5: a start guessed inside a quoted field moves on to the next record start (no range read twice)', async () => {
    // One row in four with a quoted newline and quoted quotes, as bench's quoted-some shape: a range's first line
    // start falls inside one of them about one time in four; the quote check moves the guess past it.
    const rows = Array.from({ length: 400 }, (_, i) =>
      i % 4 === 0 ? fleetRow(i).replace(`"REG ${i % 5}"`, `"stop ${i}, bay\nsigned ""x${i}"""`) : fleetRow(i),
    );
    const source = sourceOf({ 'q.csv': `${FLEET_HEADER}\n${rows.join('\n')}\n` });
    for (const rangeBytes of [97, 500, 2048]) {
      const { sequential, ranged, jobs } = await both(fleetTask(), source, rangeBytes);
      expect(ranged).toEqual(sequential);
      const reread = jobs.filter((job) => job.start !== undefined).length;
      expect(jobs.length).toBeGreaterThan(5);
      expect(reread).toBe(0);
    }
  });

  it('R-CSV-4: a file whose last byte is a lone CR, for every range size (a guessed start there once never returned)', async () => {
    const source = sourceOf({
      'a.csv': `${FLEET_HEADER}\n\r`,
      'b.csv': `${FLEET_HEADER}\n${fleetRow(1)}\n\n\r`,
      'c.csv': `${FLEET_HEADER}\r\n${fleetRow(2)}\r\n\r`,
    });
    for (let rangeBytes = 1; rangeBytes <= 90; rangeBytes++) {
      const { sequential, ranged } = await both(fleetTask(), source, rangeBytes);
      expect(ranged).toEqual(sequential);
    }
  });

  it('R-COUNT-2: a file that breaks (invalid UTF-8) in a later range, and an unterminated quote, name the same lines', async () => {
    const good = Array.from({ length: 80 }, (_, i) => fleetRow(i)).join('\n');
    const broken = Buffer.concat([
      Buffer.from(`${FLEET_HEADER}\n${good}\n`),
      Buffer.from([0xff, 0x41, 0x0a]),
      Buffer.from(`${good}\n`),
    ]);
    const source = sourceOf({
      'a.csv': broken,
      'b.csv': `${FLEET_HEADER}\n${good}\n${T0},x,"open quote,1,2,3,4\n${good}\n`,
      'c.csv': `${FLEET_HEADER}\n${good}`,
      'd.csv': '',
      'e.csv': `\uFEFF${FLEET_HEADER}\n${good}\n`,
      'f.csv': `timestamp,vehicle\n1,2\n`,
    });
    for (const rangeBytes of [13, 256, 3000]) {
      const { sequential, ranged } = await both(fleetTask(), source, rangeBytes);
      expect(ranged).toEqual(sequential);
    }
  });

  it('rows over maxRowBytes, field count errors and bad quotes straddling ranges', async () => {
    const rows = Array.from({ length: 50 }, (_, i) =>
      i % 9 === 0
        ? `${fleetRow(i)},extra`
        : i % 13 === 0
          ? fleetRow(i).replace('"REG', '"RE"G')
          : fleetRow(i),
    );
    rows.splice(20, 0, `${T0},"${'z'.repeat(300)}",r,1,2,3,4`);
    const source = sourceOf({ 'a.csv': `${FLEET_HEADER}\n${rows.join('\n')}\n` });
    for (const rangeBytes of [17, 128, 900]) {
      const { sequential, ranged } = await both(fleetTask(), source, rangeBytes, { maxRowBytes: 200 });
      expect(ranged).toEqual(sequential);
    }
  });

  it('on hostile generated files (fast-check): same result for any range size', async () => {
    const token = fc.constantFrom(
      '"',
      '""',
      ',',
      '\n',
      '\r\n',
      '\r',
      'a',
      '1',
      '1714521600',
      'truck',
      'é',
      '\0',
    );
    const line = fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 0, max: 300 }).map((i) => fleetRow(i)) },
      { weight: 2, arbitrary: fc.array(token, { maxLength: 12 }).map((t) => t.join('')) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 40 }),
        fc.constantFrom('\n', '\r\n'),
        fc.integer({ min: 1, max: 400 }),
        async (lines, eol, rangeBytes) => {
          const source = sourceOf({ 'h.csv': `${FLEET_HEADER}${eol}${lines.join(eol)}` });
          const { sequential, ranged } = await both(fleetTask(), source, rangeBytes);
          expect(ranged).toEqual(sequential);
        },
      ),
      { numRuns: 150, ...fcOptions },
    );
  });
});
