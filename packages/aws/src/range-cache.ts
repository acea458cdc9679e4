/**
 * R-DUP-1 for S3 sources (R-S3-1): the bytes of each object as its ranged GETs brought them, kept in a file of a
 * temporary folder at the same offsets, so that the duplicate index can read a row again synchronously (core's
 * RowRereader) without a request: the parallel dry run's workers write what they read, the main thread reads rows
 * back. One file per object version (its S3 path and ETag). A run holds its objects' files (retain); they are
 * deleted when the last run holding them ends, and the folder when the process exits.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  unlinkSync,
  writeSync,
  writevSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { ReadChunksOptions, SourceFile } from '@tsbatch/core';

/**
 * The reader methods both S3 readers (s3-reader.ts, and s3-reader-module.ts in other threads) share. R-DUP-1: an
 * object's ETag stands for its version, and rows are read again from the range cache; without a cache, no re-read.
 */
export const cachedRereads = {
  version(cache: RangeCache | null, file: SourceFile): Promise<string | null> {
    return Promise.resolve(cache === null ? null : (file.etag ?? null));
  },
  readSync(
    cache: RangeCache | null,
    file: SourceFile,
    version: string,
    offset: number,
    length: number,
  ): Buffer | null {
    if (cache === null || version !== file.etag) return null;
    return cache.read(file, offset, length);
  },
  retain(cache: RangeCache | null, files: readonly SourceFile[]): () => void {
    return cache?.retain(files) ?? (() => undefined);
  },
};

/**
 * The chunks of a read from `start` that this process staged (ReadChunksOptions.staged), from the cache: none when
 * `start` is not inside the staged bytes; fewer when the cache file ends early (the caller reads on from S3).
 */
export function* stagedChunks(
  cache: RangeCache,
  file: SourceFile,
  start: number,
  options: ReadChunksOptions,
): Generator<Buffer, void, undefined> {
  const staged = options.staged;
  if (staged === undefined || start < staged.start || start >= staged.end) return;
  yield* cache.chunks(file, start, Math.min(staged.end, file.size), options.highWaterMark);
}

/** Folders this process made, removed when it exits (one listener for all). */
const made = new Set<string>();
let listening = false;

export class RangeCache {
  private readonly readFds = new Map<string, number>();
  private readonly holds = new Map<string, number>();
  /** Told of each object file deleted (its last run ended): what was staged into it is gone (S3SourceReader.stage). */
  private readonly dropListeners: ((name: string) => void)[] = [];

  /** A cache over `folder`, made by another thread of this process (a worker's reader). */
  constructor(readonly folder: string) {}

  /** A cache in a new private folder under `parent` (the reader of the main thread owns it). */
  static create(parent = os.tmpdir()): RangeCache {
    const folder = mkdtempSync(path.join(parent, 'tsbatch-s3-ranges-'));
    made.add(folder);
    if (!listening) {
      listening = true;
      process.once('exit', () => {
        for (const f of made) rmSync(f, { recursive: true, force: true });
      });
    }
    return new RangeCache(folder);
  }

  /** The file standing for this version of the object. */
  fileOf(file: SourceFile): string {
    const id = createHash('sha256')
      .update(`${file.path}\0${file.etag ?? ''}`)
      .digest('hex')
      .slice(0, 32);
    return path.join(this.folder, id);
  }

  /** Opens the object's file to write chunks at their offsets (several threads may write it: same bytes). */
  openForWrite(file: SourceFile): number {
    return openSync(this.fileOf(file), constants.O_WRONLY | constants.O_CREAT, 0o600);
  }

  write(fd: number, chunk: Buffer, position: number): void {
    let done = 0;
    while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done, position + done);
  }

  /** The chunks one after the other from `position`, in one system call where the kernel takes them all. */
  writeAll(fd: number, chunks: Buffer[], position: number): void {
    let done = writevSync(fd, chunks, position);
    let offset = position;
    for (const chunk of chunks) {
      if (done >= chunk.length) {
        done -= chunk.length;
        offset += chunk.length;
        continue;
      }
      this.write(fd, chunk.subarray(done), offset + done);
      offset += chunk.length;
      done = 0;
    }
  }

  /** Bytes [offset, offset + length) as a read wrote them; null when they were never written. */
  read(file: SourceFile, offset: number, length: number): Buffer | null {
    const name = this.fileOf(file);
    let fd = this.readFds.get(name);
    try {
      if (fd === undefined) {
        fd = openSync(name, 'r');
        this.readFds.set(name, fd);
      }
      if (fstatSync(fd).size < offset + length) return null;
      const out = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n === 0) return null;
        done += n;
      }
      return out;
    } catch {
      return null;
    }
  }

  /**
   * Bytes [from, to) as a read wrote them (SourceReader.stage), in fresh chunks of up to `chunkBytes`; it stops early
   * where the file ends before `to` (the caller asks S3 for the rest).
   */
  *chunks(
    file: SourceFile,
    from: number,
    to: number,
    chunkBytes: number,
  ): Generator<Buffer, void, undefined> {
    let fd: number;
    try {
      fd = openSync(this.fileOf(file), 'r');
    } catch {
      return;
    }
    try {
      let position = from;
      while (position < to) {
        const chunk = Buffer.allocUnsafe(Math.min(chunkBytes, to - position));
        const n = readSync(fd, chunk, 0, chunk.length, position);
        if (n === 0) return;
        position += n;
        yield n === chunk.length ? chunk : chunk.subarray(0, n);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** `listener` is told the name (fileOf) of each object file deleted when the last run holding it ends. */
  onDrop(listener: (name: string) => void): void {
    this.dropListeners.push(listener);
  }

  /** A run reads these objects: their files stay until the returned release is called (by every run holding them). */
  retain(files: readonly SourceFile[]): () => void {
    const names = files.map((f) => this.fileOf(f));
    for (const name of names) this.holds.set(name, (this.holds.get(name) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const name of names) {
        const left = (this.holds.get(name) ?? 1) - 1;
        if (left > 0) {
          this.holds.set(name, left);
          continue;
        }
        this.holds.delete(name);
        const fd = this.readFds.get(name);
        this.readFds.delete(name);
        if (fd !== undefined) closeSync(fd);
        for (const listener of this.dropListeners) listener(name);
        try {
          unlinkSync(name);
        } catch {
          // never written (a file the run failed unread)
        }
      }
    };
  }
}
