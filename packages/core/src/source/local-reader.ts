/** R-IN-3: the local disk behind the SourceReader interface; files carry their absolute path. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';

import { resolveObject, resolveSource } from './resolve-source.js';
import { readFileChunks } from './source-chunks.js';
import type { SourceFile } from './source.js';
import type { ReadChunksOptions, SourceReader } from './source-reader.js';

/** A version of a file on disk: its size and modification time. */
export function diskVersion(size: number, mtimeMs: number): string {
  return `${size}:${mtimeMs}`;
}

const diskReaders = new WeakSet<SourceReader>();

/** Whether `reader` reads files on local disk by their paths (the duplicate index then keeps them open). */
export function isDiskReader(reader: SourceReader): boolean {
  return diskReaders.has(reader);
}

/**
 * Files on local disk. With `s3Root`, list and head map buckets to folders under it (R-IN-3); without, only files
 * already resolved (with their paths) can be read.
 */
export function createLocalReader(s3Root?: string): SourceReader {
  const noRoot = (what: string): never => {
    throw new Error(`the local reader has no --s3-root to ${what}`);
  };
  const reader: SourceReader = {
    spec: undefined,
    rereads: true,
    async list(bucket, prefix) {
      if (s3Root === undefined) return noRoot(`list s3://${bucket}/${prefix}`);
      const resolved = await resolveSource({ bucket, prefix }, { s3Root });
      if (!resolved.ok) throw new Error(resolved.error.message);
      return resolved.source.files;
    },
    async head(bucket, key) {
      if (s3Root === undefined) return noRoot(`read s3://${bucket}/${key}`);
      const resolved = await resolveObject({ bucket, key }, { s3Root });
      if (!resolved.ok) throw new Error(resolved.error.message);
      return { key, path: resolved.path, size: (await stat(resolved.path)).size };
    },
    read(file: SourceFile, options: ReadChunksOptions) {
      return readFileChunks(file.path, options.highWaterMark, options.signal, options.start ?? 0);
    },
    async version(file) {
      try {
        const info = await stat(file.path);
        return diskVersion(info.size, info.mtimeMs);
      } catch {
        return null;
      }
    },
    readSync(file, version, offset, length) {
      return readBytesSync(file.path, version, offset, length);
    },
  };
  diskReaders.add(reader);
  return reader;
}

/** The reader of files whose paths are known (every thread has it; no spec needed). */
export const localReader: SourceReader = createLocalReader();

/** Bytes [offset, offset + length) of the file, if it still has the size and modification time of `version`. */
function readBytesSync(path: string, version: string, offset: number, length: number): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const info = fstatSync(fd);
    if (diskVersion(info.size, info.mtimeMs) !== version) return null;
    const row = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, row, done, length - done, offset + done);
      if (n === 0) return null;
      done += n;
    }
    return row;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
