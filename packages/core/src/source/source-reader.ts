/**
 * R-IN-3 / R-S3-1: the one interface through which core reaches source bytes, so that the same engine reads files on
 * local disk and objects in S3 (its reader lives in @tsbatch/aws; core knows no SDK). A reader lists a bucket's
 * prefix in key order, tells an object's version (size and modification time on disk, the ETag in S3), and reads a
 * byte range as chunks; the duplicate index (R-DUP-1) also reads a row again synchronously.
 *
 * A reader crosses to worker threads (the parallel dry run) and into the task store (ingest tasks) as its `spec`:
 * plain data naming a module whose `createSourceReader(options)` builds the same reader there.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import type { SourceFile, SourceLocation } from './source.js';

/**
 * A reader as plain data: `module` is a file: URL of a module exporting `createSourceReader(options, secrets)`.
 * `secrets` (explicit credentials) go to worker threads but are never stored (storableLocation drops them); so does
 * `local`, what holds only in this process (S3's range cache folder), the third argument of createSourceReader.
 */
export interface ReaderSpec {
  module: string;
  options?: unknown;
  secrets?: unknown;
  local?: unknown;
}

export interface ReadChunksOptions {
  /** First byte. @default 0 */
  start?: number;
  /**
   * Where the caller expects to stop (a hint for the size of a first ranged GET); the bytes after it still come
   * when the caller reads on. @default the end of the object
   */
  end?: number;
  /** Bytes per chunk (the last may be shorter; a reader may return other sizes, results never depend on them). */
  highWaterMark: number;
  signal?: AbortSignal;
  /**
   * Bytes [start, end) of the file that this process's `stage` already brought in (R-S3-1: the main thread's ranged
   * GET of a worker's range): a reader reads them locally, without a request, and the bytes after them as usual.
   */
  staged?: StagedBytes;
}

/** A byte range of a file that `SourceReader.stage` brought into this process. */
export interface StagedBytes {
  start: number;
  end: number;
  /**
   * Where the reader keeps them, its own business (S3: blocks of memory shared by the process's threads), handed to
   * the worker with the range as it is (a structured clone: SharedArrayBuffers in it stay shared, nothing is copied).
   */
  held?: unknown;
}

export interface SourceReader {
  /** How a worker thread builds the same reader; undefined for the local disk (every thread has it). */
  readonly spec: ReaderSpec | undefined;
  /** Every object whose key starts with `prefix`, in byte-wise key order (R-IN-3). Throws when it cannot list. */
  list(bucket: string, prefix: string, signal?: AbortSignal): Promise<SourceFile[]>;
  /** One object (DataModelS3Configuration); throws when it is missing or unreadable. */
  head(bucket: string, key: string, signal?: AbortSignal): Promise<SourceFile>;
  /**
   * The object's bytes from `start` in chunks. Every read is of the version the file was listed with: one that
   * changed since throws an error whose `code` is SOURCE_CHANGED (isSourceChanged), which stops the run.
   */
  read(file: SourceFile, options: ReadChunksOptions): AsyncIterable<Buffer>;
  /**
   * Whether readSync can read rows again (R-DUP-1). Without, the duplicate index keeps exact encodings instead of
   * row locations, and the parallel dry run reads on one thread (range-load needs row locations).
   */
  readonly rereads: boolean;
  /** What stands for the file's current version, to tell later whether it changed (R-DUP-1 re-reads). */
  version(file: SourceFile): Promise<string | null>;
  /** Bytes [offset, offset + length) of that version, synchronously; null when it changed or cannot be read. */
  readSync(file: SourceFile, version: string, offset: number, length: number): Buffer | null;
  /**
   * A run is about to read these files (R-DUP-1: what the reader keeps for re-reads, S3's range cache, stays until
   * the returned release is called when the run ends). Absent: nothing to keep.
   */
  retain?(files: readonly SourceFile[]): () => void;
  /**
   * Brings bytes [start, end) of the file's listed version into this process (S3's range cache), so that a read
   * given them as `staged` (on any thread of this process) needs no request for them: the parallel dry run stages
   * each range on the main thread before a worker reads it (R-S3-1), so workers parse local bytes and load no SDK.
   * Resolves the staged bytes to give such a read, or null when the reader keeps nothing (then nothing is staged).
   * Absent: the bytes are local already.
   */
  stage?(file: SourceFile, start: number, end: number, signal?: AbortSignal): Promise<StagedBytes | null>;
  /**
   * The read given `staged` is over (its range job ended, whatever its outcome): the reader may let go of what it
   * kept for it (S3: memory reused for later stages; rows read again later are asked for again).
   */
  unstage?(file: SourceFile, staged: StagedBytes): void;
}

export const SOURCE_CHANGED = 'SOURCE_CHANGED';

/** An object changed while the run read it (its ETag is no longer the one listed): no result can be exact. */
export class SourceChangedError extends Error {
  readonly code = SOURCE_CHANGED;
  override readonly name = 'SourceChangedError';
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
  }
}

/** Matched by code, not class: the error may have crossed a worker boundary (STYLE rule 5). */
export function isSourceChanged(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === SOURCE_CHANGED;
}

/**
 * Imports the module a spec names (a source reader's here, an S3 writer's in @tsbatch/local's exports). A `.ts`
 * module (running from source) that the import hooks cannot load is required:
 * in a worker thread on Node 20 only tsx's require hook applies (piscina loads our workers the same way).
 */
export async function importModule(url: string): Promise<unknown> {
  try {
    return await import(url);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !url.endsWith('.ts'))
      throw error;
    return createRequire(url)(fileURLToPath(url)) as unknown;
  }
}

/** Readers built from specs in this thread, one per spec. */
const fromSpecs = new Map<string, Promise<SourceReader>>();

/**
 * The reader a spec stands for (undefined: the local disk), built once per thread. Only file: URLs are imported: a
 * spec comes from our own packages (a worker job, a task store written by tsbatch), never from a task file.
 */
export function readerFromSpec(spec: ReaderSpec | undefined, local: SourceReader): Promise<SourceReader> {
  if (spec === undefined) return Promise.resolve(local);
  if (!spec.module.startsWith('file:')) {
    return Promise.reject(new TypeError(`reader module must be a file: URL, got ${spec.module}`));
  }
  const key = JSON.stringify(spec);
  let reader = fromSpecs.get(key);
  if (reader === undefined) {
    reader = (async () => {
      const loaded = (await importModule(spec.module)) as {
        createSourceReader?: (options: unknown, secrets: unknown, local: unknown) => SourceReader;
      };
      if (typeof loaded.createSourceReader !== 'function') {
        throw new TypeError(`${spec.module} does not export createSourceReader`);
      }
      return loaded.createSourceReader(spec.options, spec.secrets, spec.local);
    })();
    reader.catch(() => fromSpecs.delete(key));
    fromSpecs.set(key, reader);
  }
  return reader;
}

/** A SourceLocation as the task store keeps it: the reader as its spec, without secrets. */
export interface StoredSourceLocation {
  source?: string;
  s3Root?: string;
  reader?: ReaderSpec;
}

/** What of `location` can be stored (R-TASK-3); throws when its reader has no spec (it cannot be rebuilt). */
export function storableLocation(location: SourceLocation): StoredSourceLocation {
  const { reader, ...rest } = location;
  if (reader === undefined || rest.source !== undefined || rest.s3Root !== undefined) return rest;
  if (reader.spec === undefined) throw new TypeError('this source reader has no spec and cannot be stored');
  const { secrets: _secrets, local: _local, ...spec } = reader.spec;
  return { ...rest, reader: spec };
}

/** The SourceLocation a stored one stands for, its reader rebuilt from its spec. */
export async function restoreLocation(
  stored: StoredSourceLocation,
  local: SourceReader,
): Promise<SourceLocation> {
  const { reader, ...rest } = stored;
  return reader === undefined ? rest : { ...rest, reader: await readerFromSpec(reader, local) };
}
