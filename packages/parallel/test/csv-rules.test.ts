/**
 * R-CSV-7 (the null verdict under TrimWhiteSpace) and R-CSV-8 (where reading resumes, EscapeChar outside quotes,
 * the first of several file-level problems), each in the one-thread dry run and in the parallel one on real worker
 * threads with ranges small enough that every few lines are a range of their own: the same rejects, line by line.
 */
import {
  dryRun,
  type DryRunResult,
  type RejectEntry,
  type ResolvedCsvOptions,
  type ResolvedSource,
} from '@tsbatch/core';
import { describe, expect, it } from 'vitest';

import { FLEET_HEADER as HEADER, fleetTask, sourceOf } from '../../core/test/dry-run-fixtures.js';
import { parallelDryRun } from '../src/index.js';

const CSV: ResolvedCsvOptions = {
  columnSeparator: ',',
  quoteChar: '"',
  escapeChar: null,
  nullValue: null,
  trimWhiteSpace: false,
};

interface Run {
  result: DryRunResult;
  rejects: string[];
}

/** Both dry runs of `files` with the fleet task read with `csv`: rejects as `file line-lastLine code`. */
async function bothRuns(
  files: Record<string, string | Uint8Array>,
  csv: Partial<ResolvedCsvOptions>,
): Promise<{ sequential: Run; parallel: Run }> {
  const task = fleetTask({ csv: { ...CSV, ...csv } });
  const source: ResolvedSource = sourceOf(files);
  const run = async (parallel: boolean): Promise<Run> => {
    const rejects: RejectEntry[] = [];
    const onReject = (entry: RejectEntry): void => void rejects.push(entry);
    const result = parallel
      ? await parallelDryRun(task, source, { workers: 2, rangeBytes: 24, minParallelBytes: 0, onReject })
      : await dryRun(task, source, { onReject });
    return { result, rejects: rejects.map((r) => `${r.file} ${r.line}-${r.lastLine} ${r.code}`) };
  };
  return { sequential: await run(false), parallel: await run(true) };
}

function expectBoth(runs: { sequential: Run; parallel: Run }, rejects: string[], ingested: number): void {
  for (const run of [runs.sequential, runs.parallel]) {
    expect(run.rejects).toEqual(rejects);
    expect(run.result.progress.RecordsIngested).toBe(ingested);
  }
  expect(runs.parallel.result.progress).toEqual(runs.sequential.result.progress);
  expect(runs.parallel.result.errorReport).toEqual(runs.sequential.result.errorReport);
}

const T = 1714521600;

describe('R-CSV-7: the null verdict under TrimWhiteSpace, one-thread and parallel', () => {
  it('never trims quoted content: "  " is a two-space value and " NULL " is not NULL; "" is null (R-CSV-7)', async () => {
    const rows = [
      `${T},v1,R1,"  ",1,1,1`, // 2: a two-space DOUBLE: not null, so not a number
      `${T + 1},v1,R1,"",1,1,1`, // 3: quoted empty: null, left out [choice]
      `${T + 2},v1,R1,   ,1,1,1`, // 4: unquoted spaces are trimmed away: null
      `${T + 3},v1,R1, NULL ,1,1,1`, // 5: trimmed, then equal to NullValue: null
      `${T + 4},v1,R1," NULL ",1,1,1`, // 6: quoted: kept as is, not NullValue, not a number
      `${T + 5},"",R1,1,1,1,1`, // 7: a null dimension is left out (R-DIM-1)
      `${T + 6},"",  ,1,1,1,1`, // 8: every dimension null
      `${T + 7},"  ",,1,1,1,1`, // 9: a two-space dimension is a value
      `${T + 8},v1,R1,"NULL",1,1,1`, // 10: quoted NULL equals NullValue: null
    ];
    const runs = await bothRuns(
      { 'a.csv': `${HEADER}\n${rows.join('\n')}\n` },
      { trimWhiteSpace: true, nullValue: 'NULL' },
    );
    expectBoth(
      runs,
      ['a.csv 2-2 VALUE_INVALID', 'a.csv 6-6 VALUE_INVALID', 'a.csv 8-8 DIMENSIONS_ALL_NULL'],
      6,
    );
  });
});

describe('R-CSV-8: where reading resumes, one-thread and parallel', () => {
  it('resumes on the next physical line after a stray quote or a bad closing quote, even when a quote opens after it (R-CSV-8)', async () => {
    const rows = [
      `${T},v1,R"1,1,1,1,"x`, // 2: a stray quote; the quote opening later on the line does not swallow line 3
      `${T + 1},v2,R2,1,1,1,1`, // 3: read as a row of its own
      `${T + 2},v3,"R3"z,1,1,1,"y`, // 4: text after a closing quote; the row ends with its line
      `${T + 3},v4,R4,1,1,1,1`, // 5
      `${T + 4},"v5`, // 6: a quoted field over two lines ...
      `5"x,R5,1,1,1,1`, // 7: ... that goes wrong on line 7: the row is lines 6-7
      `${T + 5},v6,R6,1,1,1,1`, // 8
    ];
    const runs = await bothRuns({ 'a.csv': `${HEADER}\n${rows.join('\n')}\n` }, {});
    expectBoth(
      runs,
      ['a.csv 2-2 CSV_INVALID_QUOTE', 'a.csv 4-4 CSV_INVALID_QUOTE', 'a.csv 6-7 CSV_INVALID_QUOTE'],
      3,
    );
  });

  it('makes the rest of the file one failed row after an unterminated quote (R-CSV-8)', async () => {
    const rows = [`${T},v1,R1,1,1,1,1`, `${T + 1},v2,"R2,1,1,1,1`, `${T + 2},v3,R3,1,1,1,1`, ''];
    const runs = await bothRuns({ 'a.csv': `${HEADER}\n${rows.join('\n')}` }, {});
    expectBoth(runs, ['a.csv 3-4 CSV_UNTERMINATED_QUOTE'], 1);
  });

  it('reads EscapeChar as an ordinary character outside quotes, and as an escape inside them (R-CSV-8)', async () => {
    const rows = [
      `${T},v\\,x,R1,1,1,1,1`, // 2: `\,` is not an escaped separator: 8 fields
      `${T + 1},"v\\"2",R2,1,1,1,1`, // 3: inside quotes `\"` is a quote
      `${T + 2},v\\3,R3,1,1,1,1`, // 4: a backslash in an unquoted value is data
    ];
    const runs = await bothRuns({ 'a.csv': `${HEADER}\n${rows.join('\n')}\n` }, { escapeChar: '\\' });
    expectBoth(runs, ['a.csv 2-2 CSV_FIELD_COUNT'], 2);
  });

  it('fails a file with several file-level problems with the first in byte order (R-CSV-8)', async () => {
    const rest = `\n${T},v1,R1,1,1,1,1\n`;
    const files: Record<string, string | Uint8Array> = {
      // A duplicated name (column 3) before an empty one (column 4).
      'a.csv': `timestamp,vehicle,vehicle,,wgt,spd,fuel_consumption,miles${rest}`,
      // An empty name (column 2) before a duplicated one.
      'b.csv': `timestamp,,vehicle,vehicle,wgt${rest}`,
      // A stray quote in the header before an invalid byte on the same line.
      'c.csv': Buffer.concat([
        Buffer.from('time"stamp,ve'),
        Buffer.from([0xff]),
        Buffer.from(`hicle${rest}`),
      ]),
      // An invalid byte before a duplicated name.
      'd.csv': Buffer.concat([Buffer.from('ti'), Buffer.from([0xff]), Buffer.from(`me,a,a${rest}`)]),
      // A byte-order mark before a duplicated name.
      'e.csv': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`a,a${rest}`)]),
    };
    const runs = await bothRuns(files, {});
    expectBoth(
      runs,
      [
        'a.csv 1-1 FILE_HEADER_DUPLICATE_NAME',
        'b.csv 1-1 FILE_HEADER_EMPTY_NAME',
        'c.csv 1-1 FILE_HEADER_UNREADABLE',
        'd.csv 1-1 FILE_INVALID_UTF8',
        'e.csv 1-1 FILE_BOM',
      ],
      0,
    );
  });
});
