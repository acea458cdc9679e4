/**
 * Issue 7, "Hostile CSV", class by class, through the dry run of the examples (checkedDryRun: no throw, the time
 * bound, the counting invariant, every failed row and file in the rejects): truncated files, NUL bytes, invalid
 * UTF-8, BOMs at the start and mid-file, 16 MB+ fields, millions of columns, lone CRs and quotes everywhere; with
 * what each class must give, and memory bounded on the large ones (R-CSV-6: rows over 16 MiB are dropped as read).
 */
import { closeSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { dryRun, type DryRunResult, type RejectEntry, type ResolvedSource } from '../../src/index.js';
import {
  checkCounts,
  checkedDryRun,
  FLEET,
  FUZZ_TIMEOUT,
  LONG,
  scratchDir,
  SENSORS,
  TARGETS,
  timeBoundMs,
  type CheckedRun,
  type FuzzTarget,
} from '../fuzz-helpers.js';

let scratch: ReturnType<typeof scratchDir>;
beforeAll(() => {
  scratch = scratchDir();
});
afterAll(() => scratch.remove());

const MiB = 1024 * 1024;
const FLEET_CSV = FLEET.files['sample.csv']!;
const FLEET_TEXT = Buffer.from(FLEET_CSV).toString('utf8');
const [FLEET_HEADER, ...FLEET_ROWS] = FLEET_TEXT.trimEnd().split('\n') as [string, ...string[]];
const GOOD_ROW = FLEET_ROWS[0]!;

const fleet = (text: string | Uint8Array): Promise<CheckedRun> =>
  checkedDryRun(FLEET, scratch.dir, { 'sample.csv': text });

/** `code line-lastLine` of every reject, to compare whole outcomes at once. */
const shown = (rejects: RejectEntry[]): string[] => rejects.map((r) => `${r.code} ${r.line}-${r.lastLine}`);

describe('truncated files (R-CSV-4, R-CSV-6, R-COUNT-1)', () => {
  it(
    'counts every truncation of the example files, each complete row ingested (R-COUNT-1)',
    async () => {
      const step = LONG ? 1 : 29;
      for (const target of TARGETS) {
        for (const key of Object.keys(target.files)) {
          const content = target.files[key]!;
          for (let cut = 0; cut <= content.length; cut += step) {
            const { result } = await checkedDryRun(target, scratch.dir, {
              ...target.files,
              [key]: content.subarray(0, cut),
            });
            // Rows wholly before the cut are the example's own rows, all good.
            const completeRows =
              Buffer.from(content.subarray(0, cut)).toString('utf8').split('\n').length - 2;
            if (target === FLEET && cut > FLEET_HEADER.length + 1) {
              expect(result.progress.RecordsIngested).toBeGreaterThanOrEqual(completeRows);
            }
            if (cut === 0) expect(result.progress.FileFailures).toBe(1); // FILE_EMPTY
          }
        }
      }
    },
    FUZZ_TIMEOUT,
  );

  it('reads a file cut inside a quoted cell as one row to the end (R-CSV-6)', async () => {
    const part = Buffer.from(SENSORS.files['2024/05/part-0001.csv']!).toString('utf8');
    const cut = part.indexOf('"door open;') + 5;
    const run = await checkedDryRun(SENSORS, scratch.dir, {
      ...SENSORS.files,
      '2024/05/part-0001.csv': part.slice(0, cut),
    });
    expect(shown(run.rejects)).toEqual(['CSV_UNTERMINATED_QUOTE 5-5']);
    expect(run.result.progress).toMatchObject({ RecordsProcessed: 8, RecordsIngested: 7, ParseFailures: 1 });
  });
});

describe('NUL bytes, lone CR and BOMs (R-CSV-2, R-CSV-4)', () => {
  it('takes NUL bytes as data: a bad value or a VARCHAR, never the end of the file', async () => {
    const run = await fleet(
      [
        FLEET_HEADER,
        GOOD_ROW.replace('4266.8', '4266\0.8'),
        GOOD_ROW.replace('Truck-1', 'Tr\0uck-1').replace('1714521600', '1714521601'),
        '\0\0\0\0',
        '"\0",\0,\0,\0,\0,\0,\0',
        FLEET_ROWS[1],
        '',
      ].join('\n'),
    );
    expect(shown(run.rejects)).toEqual(['VALUE_INVALID 2-2', 'CSV_FIELD_COUNT 4-4', 'TIME_INVALID 5-5']);
    expect(run.result.progress).toMatchObject({ RecordsProcessed: 5, RecordsIngested: 2, ParseFailures: 3 });
  });

  it('skips blank lines before the header too: line numbers stay physical lines (R-CSV-4, R-CSV-5)', async () => {
    const run = await fleet(`\n\r\n${FLEET_HEADER}\n\n${GOOD_ROW}\n${GOOD_ROW.replace('4266.8', 'x')}\n`);
    expect(shown(run.rejects)).toEqual(['VALUE_INVALID 6-6']);
    expect(run.result.progress).toMatchObject({ RecordsProcessed: 2, RecordsIngested: 1, ParseFailures: 1 });
  });

  it('takes a lone CR as data: a file with CR line ends is one header line (R-CSV-4)', async () => {
    const run = await fleet(FLEET_TEXT.replaceAll('\n', '\r'));
    expect(run.result.progress).toMatchObject({ RecordsProcessed: 0, FileFailures: 1 });
    expect(run.rejects).toHaveLength(1);
    expect(run.rejects[0]).toMatchObject({ kind: 'file', line: 1 });
  });

  it('keeps a CR inside cells as data, and CRLF as a line end (R-CSV-4)', async () => {
    const run = await fleet(
      [
        FLEET_HEADER,
        GOOD_ROW.replace('Truck-1', 'Truck\r-1'),
        FLEET_ROWS[1],
        `${FLEET_ROWS[2]}\r`,
        '\r',
        '',
      ].join('\n'),
    );
    expect(run.rejects).toEqual([]);
    expect(run.result.progress).toMatchObject({ RecordsProcessed: 3, RecordsIngested: 3 });
  });

  it('fails a file that starts with a BOM, and reads one mid-file as data (R-CSV-2)', async () => {
    const bom = '\uFEFF';
    const atStart = await fleet(bom + FLEET_TEXT);
    expect(shown(atStart.rejects)).toEqual(['FILE_BOM 1-1']);
    const midFile = await fleet(
      [FLEET_HEADER, bom + GOOD_ROW, GOOD_ROW.replace('Truck-1', `Truck-1${bom}`), `${bom}`, ''].join('\n'),
    );
    expect(shown(midFile.rejects)).toEqual(['TIME_INVALID 2-2', 'CSV_FIELD_COUNT 4-4']);
    expect(midFile.result.progress).toMatchObject({
      RecordsProcessed: 3,
      RecordsIngested: 1,
      ParseFailures: 2,
    });
    // A BOM at the start of the second file fails that file only (R-COUNT-2).
    const second = await checkedDryRun(SENSORS, scratch.dir, {
      ...SENSORS.files,
      '2024/05/part-0002.csv': Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        SENSORS.files['2024/05/part-0002.csv']!,
      ]),
    });
    expect(second.result.progress).toMatchObject({
      RecordsProcessed: 5,
      RecordsIngested: 5,
      FileFailures: 1,
    });
    expect(second.rejects).toMatchObject([{ file: '2024/05/part-0002.csv', code: 'FILE_BOM', line: 1 }]);
  });
});

describe('invalid UTF-8 (R-CSV-2, R-COUNT-2)', () => {
  it('keeps the rows before the broken line and fails the file at its byte offset, wherever the bad byte is', async () => {
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xfe, 0xff]]) {
      for (const row of [1, 3, 12]) {
        const lines = FLEET_TEXT.split('\n');
        const at = Buffer.byteLength(lines.slice(0, row).join('\n')) + 1 + 5;
        const bytes = Buffer.concat([FLEET_CSV.subarray(0, at), Buffer.from(bad), FLEET_CSV.subarray(at)]);
        const run = await fleet(bytes);
        expect(run.result.progress).toMatchObject({
          RecordsProcessed: row - 1,
          RecordsIngested: row - 1,
          FileFailures: 1,
        });
        expect(run.rejects).toEqual([
          expect.objectContaining({
            code: 'FILE_INVALID_UTF8',
            line: row + 1,
            reason: expect.stringContaining(`byte offset ${at}`),
          }),
        ]);
      }
    }
  });
});

describe('quotes everywhere (R-CSV-6)', () => {
  it('spoils only the rows with stray quotes, whatever the density', async () => {
    const quotedEverywhere = FLEET_ROWS.map((row) =>
      row.replaceAll(',', '","').replace(/^/, '"').replace(/$/, '"'),
    );
    const good = await fleet([FLEET_HEADER, ...quotedEverywhere, ''].join('\n'));
    expect(good.rejects).toEqual([]);
    expect(good.result.progress.RecordsIngested).toBe(FLEET_ROWS.length);

    const stray = FLEET_ROWS.map((row, i) => (i % 2 === 0 ? row.replace('.', '."') : row));
    const strayRun = await fleet([FLEET_HEADER, ...stray, ''].join('\n'));
    expect(strayRun.rejects.map((r) => r.code)).toEqual(Array(6).fill('CSV_INVALID_QUOTE'));
    expect(strayRun.rejects.map((r) => r.line)).toEqual([2, 4, 6, 8, 10, 12]);
    expect(strayRun.result.progress.RecordsIngested).toBe(6);

    const onlyQuotes = await fleet(`${FLEET_HEADER}\n${'"'.repeat(9999)}\n${GOOD_ROW}\n`);
    // 9,999 quotes: an odd count leaves a quote open, and the rest of the file is one row (R-CSV-6).
    expect(shown(onlyQuotes.rejects)).toEqual(['CSV_UNTERMINATED_QUOTE 2-3']);

    const doubled = await fleet(`${FLEET_HEADER}\n${'""'.repeat(5000)}\n${GOOD_ROW}\n`);
    expect(doubled.result.progress).toMatchObject({
      RecordsProcessed: 2,
      RecordsIngested: 1,
      ParseFailures: 1,
    });
  });
});

interface LargeRun {
  result: DryRunResult;
  rejects: RejectEntry[];
  ingested: number;
  elapsedMs: number;
  /** Peak growth during the run, sampled at every read chunk: heap + external + array buffers, and RSS. */
  heapMiB: number;
  rssMiB: number;
}

/** A dry run over a large file already on disk, sampling memory at every chunk read; checks the counts. */
async function largeRun(task: FuzzTarget, file: string, key: string): Promise<LargeRun> {
  const size = statSync(file).size;
  const source: ResolvedSource = { files: [{ key, path: file, size }], totalBytes: size };
  const used = (): { heap: number; rss: number } => {
    const m = process.memoryUsage();
    return { heap: m.heapUsed + m.external + m.arrayBuffers, rss: m.rss };
  };
  const before = used();
  let heap = before.heap;
  let rss = before.rss;
  const sample = (): void => {
    const now = used();
    heap = Math.max(heap, now.heap);
    rss = Math.max(rss, now.rss);
  };
  const rejects: RejectEntry[] = [];
  const lines = new Map<string, number[]>([[key, []]]);
  const started = performance.now();
  const result = await dryRun(task.task, source, {
    table: task.table,
    now: task.now,
    onProgress: sample,
    onReject: (entry) => {
      sample();
      // Keep the entry without its cells: a 2-million-cell row must not count against the engine's memory.
      const { cells, ...rest } = entry;
      rejects.push(cells === undefined ? rest : { ...rest, cells: [`${cells.length} cells`] });
    },
    onRecords: (_file, line) => {
      lines.get(key)!.push(line);
    },
  });
  const elapsedMs = performance.now() - started;
  sample();
  checkCounts(result, rejects, lines);
  expect(elapsedMs).toBeLessThan(timeBoundMs(size));
  return {
    result,
    rejects,
    ingested: lines.get(key)!.length,
    elapsedMs,
    heapMiB: (heap - before.heap) / MiB,
    rssMiB: (rss - before.rss) / MiB,
  };
}

/** Writes `head`, then `fill` repeated up to `size` bytes (1 MiB at a time, never held whole), then `tail`. */
function writeLarge(name: string, head: string, fill: string, size: number, tail: string): string {
  const file = path.join(scratch.dir, name);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, head);
    const block = Buffer.from(fill.repeat(Math.ceil(MiB / fill.length)).slice(0, MiB));
    for (let written = 0; written < size; written += block.length) {
      writeSync(fd, block, 0, Math.min(block.length, size - written));
    }
    writeSync(fd, tail);
  } finally {
    closeSync(fd);
  }
  return file;
}

/** Peak memory growth allowed while reading a row or header over the 16 MiB limit: a few times maxRowBytes. */
const LARGE_HEAP_MIB = 128;
const LARGE_RSS_MIB = 192;

describe('16 MB+ fields and millions of columns: time and memory bounded (R-CSV-6)', () => {
  it('fails a row with a 17 MiB field alone, in bounded time and memory, and reads on', async () => {
    const file = writeLarge(
      'plain.csv',
      `${FLEET_HEADER}\n${GOOD_ROW}\n1714521600,`,
      'x',
      17 * MiB,
      `,TX,1,1,1,1\n${FLEET_ROWS[1]}\n`,
    );
    const run = await largeRun(FLEET, file, 'plain.csv');
    expect(shown(run.rejects)).toEqual(['CSV_ROW_TOO_LARGE 3-3']);
    expect(run.result.progress).toMatchObject({ RecordsProcessed: 3, RecordsIngested: 2, ParseFailures: 1 });
    expect(run.heapMiB).toBeLessThan(LARGE_HEAP_MIB);
    expect(run.rssMiB).toBeLessThan(LARGE_RSS_MIB);
  });

  it('fails a row of 2 million columns as one field-count failure, in bounded time and memory', async () => {
    const file = writeLarge(
      'wide.csv',
      `${FLEET_HEADER}\n${GOOD_ROW}\n`,
      ',',
      2_000_000,
      `\n${FLEET_ROWS[1]}\n`,
    );
    const run = await largeRun(FLEET, file, 'wide.csv');
    expect(shown(run.rejects)).toEqual(['CSV_FIELD_COUNT 3-3']);
    expect(run.rejects[0]!.cells).toEqual(['2000001 cells']);
    expect(run.result.progress).toMatchObject({ RecordsProcessed: 3, RecordsIngested: 2, ParseFailures: 1 });
    expect(run.heapMiB).toBeLessThan(LARGE_HEAP_MIB);
    expect(run.rssMiB).toBeLessThan(LARGE_RSS_MIB);
  });

  it(
    'finds the mapped columns in a header of 7 + N columns, and maps rows as wide (N = 300k; 1.5M long)',
    async () => {
      const extra = LONG ? 1_500_000 : 300_000;
      const names = Array.from({ length: extra }, (_, i) => `c${i}`).join(',');
      const file = path.join(scratch.dir, 'wide-header.csv');
      writeFileSync(file, `${FLEET_HEADER},${names}\n${GOOD_ROW}${','.repeat(extra)}\n${FLEET_ROWS[1]}\n`);
      const run = await largeRun(FLEET, file, 'wide-header.csv');
      expect(shown(run.rejects)).toEqual(['CSV_FIELD_COUNT 3-3']);
      expect(run.ingested).toBe(1);
      // About 13 MB of header: a Map of 1.5M names costs what it costs, but no more than a few times the bytes.
      expect(run.heapMiB).toBeLessThan(256);
    },
    FUZZ_TIMEOUT,
  );

  it.runIf(LONG)(
    'fails 17 MiB quoted, multi-line and unterminated rows, and a 17 MiB header (long profile)',
    async () => {
      // A quoted field of 17 MiB holding a newline every 64 bytes: one row over 278,528 more lines.
      const quoted = writeLarge(
        'quoted.csv',
        `${FLEET_HEADER}\n1714521600,"`,
        `${'y'.repeat(63)}\n`,
        17 * MiB,
        `",TX,1,1,1,1\n${FLEET_ROWS[1]}\n`,
      );
      const a = await largeRun(FLEET, quoted, 'quoted.csv');
      expect(shown(a.rejects)).toEqual([`CSV_ROW_TOO_LARGE 2-${2 + (17 * MiB) / 64}`]);
      expect(a.ingested).toBe(1);

      const open = writeLarge('open.csv', `${FLEET_HEADER}\n${GOOD_ROW}\n1714521600,"`, 'z;', 17 * MiB, '\n');
      const b = await largeRun(FLEET, open, 'open.csv');
      expect(shown(b.rejects)).toEqual(['CSV_ROW_TOO_LARGE 3-3']);
      expect(b.ingested).toBe(1);

      const header = writeLarge('header.csv', 'timestamp,', 'h', 17 * MiB, `\n${GOOD_ROW}\n`);
      const c = await largeRun(FLEET, header, 'header.csv');
      expect(c.rejects).toMatchObject([{ kind: 'file', code: 'FILE_HEADER_UNREADABLE', line: 1 }]);

      for (const run of [a, b, c]) {
        expect(run.heapMiB).toBeLessThan(LARGE_HEAP_MIB);
        expect(run.rssMiB).toBeLessThan(LARGE_RSS_MIB);
      }
    },
    FUZZ_TIMEOUT,
  );
});
