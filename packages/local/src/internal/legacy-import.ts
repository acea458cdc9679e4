/**
 * Moving a data folder of the old format (tsbatch before the SQLite store: one append-only JSON-lines log per table
 * under `<data-dir>/records/<id>.log`) into the store, once, when a server opens it: every whole line of each log is
 * stored in order (a later line of a point was a higher version, so it wins, as the old replay decided), a torn last
 * line is passed over. Progress is committed every IMPORT_CHUNK lines with the byte offset reached, so an import cut
 * short resumes where it stopped. At the end `records/` is renamed `records-imported/` [choice: kept, not deleted,
 * until the user removes it]. Imported revisions are journal blocks of their own (operation "Import").
 */
import { createReadStream } from 'node:fs';
import { readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { TIME_UNITS, type TimestreamRecord } from '@tsbatch/core';
import type { Catalog } from './catalog-file.js';
import type { RecordStore } from './record-store.js';
import { storedRecordOf } from './record-json.js';

/** Lines stored per committed step of an import. */
const IMPORT_CHUNK = 10_000;
const ANNOUNCE_EVERY = 1_000_000;
export const LEGACY_DIR = 'records';
export const IMPORTED_DIR = 'records-imported';

/** Imports the old logs of `dataDir`, if any; `announce` gets a line per table and per million records. */
export async function importLegacyLogs(
  dataDir: string,
  catalog: Catalog,
  records: RecordStore,
  announce: (line: string) => void,
): Promise<void> {
  const dir = path.join(dataDir, LEGACY_DIR);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.log'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const t of catalog.tables) {
    if (!names.includes(`${t.id}.log`)) continue;
    const db = catalog.databases.find((d) => d.info.DatabaseName === t.info.DatabaseName);
    if (db === undefined) continue;
    const key = `import:${t.id}`;
    const from = records.meta(key);
    if (from === 'done') continue;
    const name = `${t.info.DatabaseName}.${t.info.TableName}`;
    announce(`moving ${name} from the old log format into the store (${LEGACY_DIR}/${t.id}.log)`);
    const identity = { id: t.id, ledger: db.id, database: t.info.DatabaseName, name: t.info.TableName };
    const writer = records.writer(identity, { operation: 'Import' });
    let lines = 0;
    for await (const { text, end } of wholeLines(path.join(dir, `${t.id}.log`), Number(from ?? 0))) {
      const record = parse(text);
      if (record !== null) writer.apply(storedRecordOf(record));
      if (++lines % IMPORT_CHUNK === 0) {
        records.setMeta(key, String(end));
        await writer.commit();
        if (lines % ANNOUNCE_EVERY === 0) announce(`  ${name}: ${lines.toLocaleString('en-US')} lines`);
      }
    }
    records.setMeta(key, 'done');
    await writer.commit();
    announce(`  ${name}: ${lines.toLocaleString('en-US')} lines moved`);
  }
  await rename(dir, path.join(dataDir, IMPORTED_DIR));
  announce(
    `the old logs are now in ${path.join(dataDir, IMPORTED_DIR)}: remove that folder once you no longer need it`,
  );
}

/** A logged record, or null for a damaged line (the old replay passed those over too). */
function parse(text: string): TimestreamRecord | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const r = json as Partial<TimestreamRecord> | null;
  const ok =
    typeof r === 'object' &&
    r !== null &&
    Array.isArray(r.Dimensions) &&
    typeof r.MeasureName === 'string' &&
    typeof r.Time === 'string' &&
    /^\d+$/.test(r.Time) &&
    TIME_UNITS.includes(r.TimeUnit as (typeof TIME_UNITS)[number]) &&
    typeof r.Version === 'number' &&
    typeof r.MeasureValueType === 'string';
  return ok ? (r as TimestreamRecord) : null;
}

/**
 * The newline-terminated lines of a file from byte `from`, each with the byte offset just past it, split on bytes
 * (a newline byte never occurs inside a UTF-8 sequence). A last line without its newline (torn) is not yielded.
 */
async function* wholeLines(file: string, from: number): AsyncGenerator<{ text: string; end: number }> {
  const size = (await stat(file)).size;
  if (size <= from) return;
  let carry: Buffer = Buffer.alloc(0);
  let offset = from;
  for await (const chunk of createReadStream(file, { start: from, end: size - 1 })) {
    const buf = carry.length === 0 ? (chunk as Buffer) : Buffer.concat([carry, chunk as Buffer]);
    let at = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, at)) {
      offset += nl + 1 - at;
      yield { text: buf.toString('utf8', at, nl), end: offset };
      at = nl + 1;
    }
    carry = buf.subarray(at);
  }
}
