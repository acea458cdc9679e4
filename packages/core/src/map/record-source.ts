/**
 * R-DUP-1: where a mapped record came from (the file, its row's bytes, its index among the row's records), so that
 * the duplicate index can keep a small fingerprint per record and read the row again to confirm a match exactly.
 *
 * mapRows stamps each record of a row read from a file; the stamp lives in private class fields, which no
 * reflection sees: records stay plain objects with exactly their TimestreamRecord members (JSON, spread, deep
 * equality and prototype are unchanged). A record copied or made elsewhere has no stamp.
 */
import type { RowMapper } from './row-mapper.js';
import type { SourceFile } from '../source/source.js';
import type { SourceReader } from '../source/source-reader.js';
import type { ResolvedCsvOptions } from '../task.js';

/** A file rows were read from, as the duplicate index needs it to read one of them again. */
export interface RowSource {
  /** The file and its reader (local disk or S3, R-S3-1). */
  readonly reader: SourceReader;
  readonly file: SourceFile;
  /** The file's path (its reader's: on disk, or `s3://bucket/key`), for messages. */
  readonly path: string;
  /** Its version when it was read (reader.version): a file that changed since confirms nothing. */
  readonly version: string;
  /** Its size when it was read. */
  readonly size: number;
  readonly csv: ResolvedCsvOptions;
  /** The mapper bound to the file's header. */
  readonly map: RowMapper;
  /** Column count of the header. */
  readonly columns: number;
}

/** A record's stamp, read into a reused object (no allocation per lookup). */
export interface RecordStamp {
  source: RowSource | null;
  offset: number;
  bytes: number;
  index: number;
}

/** A base whose constructor returns the object it is given, so a subclass adds private fields to that object. */
class Identity {
  constructor(target: object) {
    return target;
  }
}

class Stamp extends Identity {
  readonly #source: RowSource;
  readonly #offset: number;
  readonly #bytes: number;
  readonly #index: number;

  constructor(target: object, source: RowSource, offset: number, bytes: number, index: number) {
    super(target);
    this.#source = source;
    this.#offset = offset;
    this.#bytes = bytes;
    this.#index = index;
  }

  static read(target: object, out: RecordStamp): boolean {
    if (!(#source in target)) return false;
    const stamped = target;
    out.source = stamped.#source;
    out.offset = stamped.#offset;
    out.bytes = stamped.#bytes;
    out.index = stamped.#index;
    return true;
  }

  static has(target: object): boolean {
    return #source in target;
  }
}

/**
 * Marks `record` as record `index` of the row of `source` at bytes [offset, offset + bytes). A record is stamped
 * once: a second stamp is ignored.
 */
export function stampRecord(
  record: object,
  source: RowSource,
  offset: number,
  bytes: number,
  index: number,
): void {
  if (Stamp.has(record)) return;
  new Stamp(record, source, offset, bytes, index);
}

/** Reads the stamp of `record` into `out`; false when it has none. */
export function readStamp(record: object, out: RecordStamp): boolean {
  return Stamp.read(record, out);
}
