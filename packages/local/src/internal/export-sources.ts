/**
 * R-EXP-1 inputs read from files: the records of a table straight from a data folder, and the records of a dry run
 * (its `--records` file). Both stream with bounded memory.
 */
import { constants, createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { TIME_UNITS, type TimestreamRecord } from '@tsbatch/core';
import { LocalError } from '../errors.js';
import { catalogFile, readCatalog } from './catalog-file.js';
import { ExportError } from './export-error.js';
import { LEGACY_DIR } from './legacy-import.js';
import { STORE_FILE } from './store-db.js';
import { noChunks, scanTable, type TableScan, type TimeRange } from './store-reader.js';

/**
 * The current record of every point of a table, read from the folder of a store without opening it: no lock is
 * taken and nothing is written, so it works while `tsbatch serve` uses the folder. It reads a snapshot: the store
 * as committed when the export starts (one read transaction, R-LOCAL-3).
 */
export async function snapshotRecords(
  dataDir: string,
  database: string,
  table: string,
  range: TimeRange,
): Promise<TableScan> {
  if (!(await exists(catalogFile(dataDir)))) {
    throw new ExportError(
      'EXPORT_NOT_A_STORE',
      `${dataDir} is not a tsbatch data folder (it has no catalog.json): give the --data-dir of 'tsbatch serve'.`,
    );
  }
  const catalog = await readCatalog(dataDir).catch((error: unknown) => {
    if (error instanceof LocalError)
      throw new ExportError('EXPORT_NOT_A_STORE', error.message, { cause: error });
    throw error;
  });
  if (!catalog.databases.some((d) => d.info.DatabaseName === database)) {
    throw new ExportError('EXPORT_NOT_FOUND', `The database ${database} does not exist.`);
  }
  const entry = catalog.tables.find((t) => t.info.DatabaseName === database && t.info.TableName === table);
  if (entry === undefined) {
    throw new ExportError('EXPORT_NOT_FOUND', `The table ${table} does not exist.`);
  }
  const file = path.join(dataDir, STORE_FILE);
  if (!(await exists(file))) {
    if (await exists(path.join(dataDir, LEGACY_DIR))) {
      throw new ExportError(
        'EXPORT_NOT_A_STORE',
        `${dataDir} holds the old log format of tsbatch: start 'tsbatch serve --data-dir ${dataDir}' once, ` +
          'which moves it into the store, then export again.',
      );
    }
    return { firstTime: null, chunks: noChunks(), close: () => undefined };
  }
  return scanTable(file, entry.id, range);
}

/**
 * The records of a dry run's `--records` file (lines `{"source": {...}, "record": <Record>}`), in file order. The
 * file is checked first, so a missing one fails here rather than at the first record.
 */
export async function openRecordsFile(file: string): Promise<AsyncGenerator<TimestreamRecord>> {
  try {
    await access(file, constants.R_OK);
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch (error) {
    throw new ExportError('EXPORT_RECORDS_FILE_INVALID', `cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return readRecordsFile(file);
}

async function* readRecordsFile(file: string): AsyncGenerator<TimestreamRecord> {
  const input = createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const text of lines) {
      lineNo++;
      if (text.trim() === '') continue;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw invalidLine(file, lineNo, 'not JSON');
      }
      const record = (json as { record?: unknown } | null)?.record;
      if (!isStoredRecord(record)) {
        throw invalidLine(
          file,
          lineNo,
          'not {"source": ..., "record": <Record>} as `tsbatch dry-run --records` writes',
        );
      }
      yield record;
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

function invalidLine(file: string, line: number, why: string): ExportError {
  return new ExportError('EXPORT_RECORDS_FILE_INVALID', `${file}:${line}: ${why}`);
}

/** A WriteRecords record as the store and the dry run write it (anything else is not one of ours). */
export function isStoredRecord(json: unknown): json is TimestreamRecord {
  if (typeof json !== 'object' || json === null) return false;
  const r = json as Partial<TimestreamRecord>;
  return (
    Array.isArray(r.Dimensions) &&
    typeof r.MeasureName === 'string' &&
    typeof r.Time === 'string' &&
    /^\d+$/.test(r.Time) &&
    TIME_UNITS.includes(r.TimeUnit as (typeof TIME_UNITS)[number]) &&
    typeof r.Version === 'number' &&
    typeof r.MeasureValueType === 'string'
  );
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
