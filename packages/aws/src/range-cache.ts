/**
 * R-DUP-1 for S3 sources (R-S3-1): the bytes of each object as the ranged GETs of a thread's own reads brought them
 * (one thread's run, `--workers 1`), kept in a file of a temporary folder at the same offsets, so that the duplicate
 * index can read a row again synchronously (core's RowRereader) without a request. Only bytes this instance wrote are
 * read back (the file may have holes: a range read from the middle). The parallel dry run's staged bytes are in
 * shared memory instead (staged-memory.ts). One file per object version (its S3 path and ETag). A run holds its
 * objects' files (retain); they are deleted when the last run holding them ends, and the folder when the process
 * exits.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { SourceFile } from '@tsbatch/core';

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

/** Folders this process made, removed when it exits (one listener for all). */
const made = new Set<string>();
let listening = false;

export class RangeCache {
  private readonly readFds = new Map<string, number>();
  private readonly holds = new Map<string, number>();
  /** Told of each object file deleted (its last run ended): what was staged into it is gone (S3SourceReader.stage). */
  private readonly dropListeners: ((name: string) => void)[] = [];
  /** The object file each descriptor open for writing stands for. */
  private readonly writeFds = new Map<number, string>();
  /** Per object file: the byte ranges written through this instance, in order, none touching (merged). */
  private readonly written = new Map<string, [number, number][]>();

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
    const name = this.fileOf(file);
    const fd = openSync(name, constants.O_WRONLY | constants.O_CREAT, 0o600);
    this.writeFds.set(fd, name);
    return fd;
  }

  /** Closes a descriptor of openForWrite. */
  closeWrite(fd: number): void {
    this.writeFds.delete(fd);
    closeSync(fd);
  }

  write(fd: number, chunk: Buffer, position: number): void {
    let done = 0;
    while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done, position + done);
    const name = this.writeFds.get(fd);
    if (name !== undefined) {
      const list = this.written.get(name) ?? [];
      this.written.set(name, list);
      addRange(list, position, position + chunk.length);
    }
  }

  /**
   * Whether bytes [from, to) of the object's file were all written through this instance (since a run first held the
   * file: see retain).
   */
  wrote(file: SourceFile, from: number, to: number): boolean {
    return covers(this.written.get(this.fileOf(file)) ?? [], from, to);
  }

  /** Bytes [offset, offset + length) as a read wrote them; null when they were never written. */
  read(file: SourceFile, offset: number, length: number): Buffer | null {
    const name = this.fileOf(file);
    if (!this.wrote(file, offset, offset + length)) return null;
    let fd = this.readFds.get(name);
    try {
      if (fd === undefined) {
        fd = openSync(name, 'r');
        this.readFds.set(name, fd);
      }
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

  /** `listener` is told the name (fileOf) of each object file deleted when the last run holding it ends. */
  onDrop(listener: (name: string) => void): void {
    this.dropListeners.push(listener);
  }

  /** A run reads these objects: their files stay until the returned release is called (by every run holding them). */
  retain(files: readonly SourceFile[]): () => void {
    const names = files.map((f) => this.fileOf(f));
    for (const name of names) {
      const held = this.holds.get(name) ?? 0;
      // A run's reads come from what its own run brought: bytes written while no run held the file (a header check
      // before the run, CreateBatchLoadTask's in serve) are forgotten; the run's reads write them again.
      if (held === 0) this.written.delete(name);
      this.holds.set(name, held + 1);
    }
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
        this.written.delete(name);
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

/** Adds [from, to) to sorted, merged ranges (reads write mostly in order: usually the last one grows). */
export function addRange(list: [number, number][], from: number, to: number): void {
  if (to <= from) return;
  let i = list.length;
  while (i > 0 && list[i - 1]![0] > from) i--;
  // list[i - 1] starts at or before `from`: merge with it when they touch.
  let start = from;
  let end = to;
  let first = i;
  if (i > 0 && list[i - 1]![1] >= from) {
    first = i - 1;
    start = list[first]![0];
    end = Math.max(end, list[first]![1]);
  }
  let last = i;
  while (last < list.length && list[last]![0] <= end) end = Math.max(end, list[last++]![1]);
  list.splice(first, last - first, [start, end]);
}

/** Whether sorted, merged ranges hold every byte of [from, to). */
export function covers(list: readonly [number, number][], from: number, to: number): boolean {
  if (to <= from) return true;
  for (const [start, end] of list) if (start <= from && to <= end) return true;
  return false;
}
