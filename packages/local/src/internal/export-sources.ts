/**
 * R-EXP-1 inputs read from files: the records of a table straight from a data folder, and the records of a dry run
 * (its `--records` file). Both stream: nothing but the point index of the table is held in memory.
 */
import { constants, createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { TIME_UNITS, type TimestreamRecord } from '@tsbatch/core';
import { LocalError } from '../errors.js';
import { catalogFile, readCatalog } from './catalog-file.js';
import { ExportError } from './export-error.js';
import { pointKey } from './point-key.js';
import { RecordLog } from './record-log.js';

/**
 * The current record of every point of a table, read from the folder of a store without opening it: no lock is
 * taken and nothing is written (a torn last line is passed over, not cut off), so it works while `tsbatch serve`
 * uses the folder. [choice] It reads a snapshot: the log's whole lines when the export starts; a point is current
 * at its last line there, exactly as the store decides when it replays the log (R-LOCAL-3).
 */
export async function snapshotRecords(
  dataDir: string,
  database: string,
  table: string,
): Promise<AsyncGenerator<TimestreamRecord>> {
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
    throw new ExportError('EXPORT_NOT_FOUND', `The table ${table} does not exist in database ${database}.`);
  }
  return readCurrent(new RecordLog(path.join(dataDir, 'records', `${entry.id}.log`), false));
}

async function* readCurrent(log: RecordLog): AsyncGenerator<TimestreamRecord> {
  // Pass 1: the last line of each point (later lines of a point are higher versions, R-LOCAL-2).
  const current = new Map<string, number>();
  let lines = 0;
  for await (const { json, line } of log.read()) {
    lines = line + 1;
    if (isStoredRecord(json)) current.set(pointKey(json), line);
  }
  // Pass 2: those lines, in log order; lines appended since pass 1 are not part of the snapshot.
  for await (const { json, line } of log.read()) {
    if (line >= lines) break;
    if (isStoredRecord(json) && current.get(pointKey(json)) === line) yield json;
  }
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
