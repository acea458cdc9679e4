/**
 * R-DUP-1: the temporary files of the duplicate check's keys on disk: one folder per run under the OS temp folder
 * (or the caller's), buffered writes and reads, and the errors a full or unwritable disk becomes. The bound of the
 * check is disk space; running out of it stops the run with DUPLICATES_TEMP_FULL, never a partial check.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { DuplicateCheckError } from './duplicate-errors.js';

/** Errors of a disk without room (ENOSPC) or over its quota (EDQUOT). */
const FULL = new Set(['ENOSPC', 'EDQUOT']);

/** A folder of temporary files, removed with everything in it by `remove`. */
export class SpillFolder {
  /** Bytes written into the folder so far (what the run reports as temporary disk used). */
  written = 0;
  /** The most bytes the folder held at once. */
  peak = 0;
  private held = 0;

  private constructor(
    readonly path: string,
    /** The folder it was made in (the caller's temporary folder). */
    readonly parent: string,
  ) {}

  /** A new folder `tsbatch-dup-*` under `parent` (default: the OS temp folder). */
  static create(parent: string | undefined): SpillFolder {
    const base = parent ?? os.tmpdir();
    try {
      return new SpillFolder(mkdtempSync(path.join(base, 'tsbatch-dup-')), base);
    } catch (error) {
      throw spaceError(error, base, 0);
    }
  }

  file(name: string): string {
    return path.join(this.path, name);
  }

  /** Counts bytes written (held until `released`). */
  wrote(bytes: number): void {
    this.written += bytes;
    this.held += bytes;
    if (this.held > this.peak) this.peak = this.held;
  }

  released(bytes: number): void {
    this.held -= bytes;
  }

  /** Removes one file of the folder (a run no longer needed). */
  removeFile(file: string): void {
    try {
      const size = statSync(file).size;
      rmSync(file, { force: true });
      this.released(size);
    } catch {
      // Removed with the folder at the end.
    }
  }

  /** Removes the folder and its files; never throws (a cleanup after a failure must not hide it). */
  remove(): void {
    try {
      rmSync(this.path, { recursive: true, force: true });
    } catch {
      // Nothing more can be done: the folder's name says what it was.
    }
  }
}

/** A write or create error as the duplicate check's error: TEMP_FULL for a full disk, else TEMP_UNWRITABLE. */
export function spaceError(error: unknown, where: string, written: number): DuplicateCheckError {
  const code = (error as { code?: unknown } | null)?.code;
  const reason = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && FULL.has(code)) {
    const mb = (written / 1e6).toFixed(1);
    return new DuplicateCheckError(
      'DUPLICATES_TEMP_FULL',
      `The duplicate check ran out of disk space in ${where} after writing ${mb} MB of record keys (${reason}). ` +
        'Free some space there, or give another temporary folder (--temp-dir; tempDir in the library): the check ' +
        'never goes on without its keys (R-DUP-1).',
      where,
      { cause: error },
    );
  }
  return new DuplicateCheckError(
    'DUPLICATES_TEMP_UNWRITABLE',
    `The duplicate check cannot write its temporary files in ${where} (${reason}): give a writable folder ` +
      '(--temp-dir; tempDir in the library) (R-DUP-1).',
    where,
    { cause: error },
  );
}

/** Appends bytes to one file through a buffer; writes are synchronous so that order and errors stay simple. */
export class SpillWriter {
  private fd = -1;
  /** The buffer, and views of it for entries written in place (reserve's position is then a multiple of 8). */
  readonly buffer: Uint8Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  private used = 0;
  /** Bytes written to the file (flushed or not). */
  size = 0;

  constructor(
    private readonly folder: SpillFolder,
    readonly file: string,
    bufferBytes: number,
  ) {
    this.buffer = new Uint8Array(bufferBytes);
    this.i32 = new Int32Array(this.buffer.buffer);
    this.f64 = new Float64Array(this.buffer.buffer);
  }

  /** Room for `bytes` in the buffer (flushing it first when needed): the position where to write them. */
  reserve(bytes: number): number {
    if (this.used + bytes > this.buffer.length) this.flush();
    if (bytes > this.buffer.length) throw new RangeError(`a spill entry of ${bytes} bytes is too large`);
    const at = this.used;
    this.used += bytes;
    this.size += bytes;
    return at;
  }

  write(bytes: Uint8Array): void {
    if (bytes.length > this.buffer.length) {
      this.flush();
      this.writeOut(bytes, bytes.length);
      this.size += bytes.length;
      return;
    }
    this.buffer.set(bytes, this.reserve(bytes.length));
  }

  flush(): void {
    if (this.used === 0) return;
    this.writeOut(this.buffer, this.used);
    this.used = 0;
  }

  close(): void {
    this.flush();
    if (this.fd !== -1) closeSync(this.fd);
    this.fd = -1;
  }

  private writeOut(bytes: Uint8Array, length: number): void {
    try {
      if (this.fd === -1) this.fd = openSync(this.file, 'a');
      let done = 0;
      while (done < length) done += writeSync(this.fd, bytes, done, length - done);
    } catch (error) {
      throw spaceError(error, this.folder.parent, this.folder.written);
    }
    this.folder.wrote(length);
  }
}

/** Reads a file from its start in blocks, synchronously. */
export class SpillReader {
  private fd = -1;
  private position = 0;

  /** Opened at the first read: a file nothing was written to may not exist. */
  constructor(readonly file: string) {}

  private handle(): number {
    if (this.fd === -1) this.fd = openSync(this.file, 'r');
    return this.fd;
  }

  /** The next bytes into `into` (at most its length); 0 at the end. */
  read(into: Uint8Array, from = 0): number {
    const n = readSync(this.handle(), into, from, into.length - from, this.position);
    this.position += n;
    return n;
  }

  /** Bytes at a position of the file, read fully into `into`. */
  readAt(into: Uint8Array, position: number, length: number): void {
    let done = 0;
    while (done < length) {
      const n = readSync(this.handle(), into, done, length - done, position + done);
      if (n === 0) throw new RangeError(`${this.file} ends before byte ${position + length}`);
      done += n;
    }
  }

  close(): void {
    if (this.fd !== -1) closeSync(this.fd);
    this.fd = -1;
  }
}
