/**
 * R-S3-1: S3 objects behind core's SourceReader. Listing is ListObjectsV2, paginated, in S3's key order (core sorts
 * the keys byte-wise again, R-IN-3); an object is read in ranged GETs of `partBytes`, each with If-Match on the ETag
 * it was listed with, so an object that changes during the run stops it (SOURCE_CHANGED) instead of mixing
 * versions. Concurrency is bounded per read: the part being read and, once half of it is consumed, the next one.
 * Requests retry with the SDK's standard retry; a body cut off midway is asked for again from where it broke.
 * A read's end hint bounds its first GET and nothing is asked for past it until the caller reads on (a range job's
 * read used to fire a wasted 8 MiB GET of the next part on reaching its hint). The parallel dry run stages each range
 * with one GET on the main thread (`stage`, into blocks of memory shared with the workers, reused once their ranges
 * are read: staged-memory.ts); workers build their reader from the spec (s3-reader-module.ts), read the staged bytes
 * locally and load the SDK only for bytes past them.
 */
import { HeadObjectCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import type { ReadChunksOptions, ReaderSpec, SourceFile, SourceReader, StagedBytes } from '@tsbatch/core';

import { s3ClientConfig, s3EndpointOf, type AwsSettings, type StaticCredentials } from './aws-settings.js';
import { AwsError } from './errors.js';
import { fetchRanges, type RangedGets } from './ranged-get.js';
import { s3Error } from './s3-errors.js';
import { s3Path } from './s3-uri.js';
import { cachedRereads, RangeCache } from './range-cache.js';
import { copyHeld, heldBlocks, heldChunks, SharedBlockPool, type SharedBytes } from './staged-memory.js';
import { fillBlock, waitFor, type StageBlock } from './stage-block.js';
import { SyncRangeReader } from './sync-range.js';

export interface S3ReaderOptions extends AwsSettings {
  /** Bytes per ranged GET. @default 8 MiB */
  partBytes?: number;
  /** Body failures (a connection cut midway) resumed per part before the read fails. @default 3 */
  bodyRetries?: number;
  /** Bytes per staging GET of the parallel dry run (`stage`). @default STAGE_BLOCK_BYTES (32 MiB) */
  stageBytes?: number;
  /** Keys per ListObjectsV2 page. @default 1000 (the S3 maximum) */
  listPageSize?: number;
  /**
   * R-DUP-1: where the bytes read are kept for rows read again (range-cache.ts): a folder of this process's cache
   * (worker threads), or false for none (then no row is read again: the parallel dry run reads on one thread).
   * @default a new private folder under the system's temporary folder
   */
  rangeCache?: string | false;
  /** The folder the range cache's private folder is made in (`--temp-dir`). @default the system's temporary folder */
  tempDir?: string;
}

/** What a worker thread needs to build the same reader (credentials travel apart, as secrets). */
export interface S3ReaderSpecOptions extends Omit<S3ReaderOptions, 'credentials' | 'rangeCache' | 'tempDir'> {
  s3Endpoint?: string;
}

/** [choice] 8 MiB parts: on loopback a GET costs about a millisecond, so parts this big keep S3 near disk speed. */
export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;

/**
 * [choice] Bytes per staging GET (`stage`): several ranges of the parallel dry run (4 MiB each) come in one request.
 * A GET costs s3rver and the SDK a few milliseconds of CPU each besides the bytes (100 MB in 4 MiB GETs: about 0.3 s
 * of server CPU and 0.25 s of client CPU on loopback; in 32 MiB GETs about half), CPU the parsing threads share.
 */
export const STAGE_BLOCK_BYTES = 32 * 1024 * 1024;

/** [choice] A request whose socket is idle this long fails (then the SDK's standard retry tries again). */
const REQUEST_TIMEOUT_MS = 60_000;

const here = import.meta.url;
/** The module a worker imports to build this reader: the `.ts` source under tsx, the compiled `.js` otherwise. */
export const S3_READER_MODULE = new URL(
  here.endsWith('.ts') ? './s3-reader-module.ts' : './s3-reader-module.js',
  here,
).href;

/** A SourceReader over S3 with the standard AWS configuration (region, profile, endpoint, credential chain). */
export function createS3Reader(options: S3ReaderOptions = {}): SourceReader {
  return new S3SourceReader(options);
}

class S3SourceReader implements SourceReader {
  readonly spec: ReaderSpec;
  private readonly client: S3Client;
  private readonly partBytes: number;
  private readonly stageBytes: number;
  private readonly bodyRetries: number;
  private readonly cache: RangeCache | null;
  private readonly gets: RangedGets;
  readonly rereads: boolean;
  /** The staging GETs of each object's cache file (RangeCache.fileOf), in byte order, none overlapping. */
  private readonly blocks = new Map<string, StageBlock[]>();
  /** Per object (RangeCache.fileOf): the end of the furthest staged read that is over (unstage). */
  private readonly readTo = new Map<string, number>();
  private readonly pool: SharedBlockPool;
  /** R-DUP-1: rows read again whose bytes this process no longer holds, by a ranged GET (sync-range.ts). */
  private rereader: SyncRangeReader | null = null;

  constructor(private readonly options: S3ReaderOptions) {
    this.client = new S3Client({
      ...s3ClientConfig(options),
      requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
    });
    this.partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
    this.stageBytes = options.stageBytes ?? STAGE_BLOCK_BYTES;
    this.bodyRetries = options.bodyRetries ?? 3;
    this.pool = new SharedBlockPool(this.stageBytes);
    for (const [name, value] of [
      ['partBytes', this.partBytes],
      ['stageBytes', this.stageBytes],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 1)
        throw new AwsError('AWS_INVALID_SETTING', `${name} must be a positive integer, got ${value}`);
    }
    const { credentials, rangeCache, tempDir, ...rest } = options;
    this.cache =
      rangeCache === false
        ? null
        : typeof rangeCache === 'string'
          ? new RangeCache(rangeCache)
          : RangeCache.create(tempDir);
    this.rereads = this.cache !== null;
    this.gets = {
      client: this.client,
      partBytes: this.partBytes,
      bodyRetries: this.bodyRetries,
      cache: this.cache,
    };
    // The object's file is deleted: what was staged into it is gone, and a GET still filling it is of no use.
    this.cache?.onDrop((name) => {
      for (const block of this.blocks.get(name) ?? []) {
        block.controller.abort();
        // A GET cut off may still be writing into it: only a finished block's memory is reused.
        if (block.written >= block.end) this.pool.give(block.memory);
      }
      this.blocks.delete(name);
      this.readTo.delete(name);
    });
    const endpoint = s3EndpointOf(options);
    const specOptions: S3ReaderSpecOptions = {
      ...rest,
      ...(endpoint !== undefined && { s3Endpoint: endpoint }),
    };
    this.spec = {
      module: S3_READER_MODULE,
      options: specOptions,
      ...(credentials !== undefined && { secrets: credentials satisfies StaticCredentials }),
      ...(this.cache !== null && { local: this.cache.folder }),
    };
  }

  async list(bucket: string, prefix: string, signal?: AbortSignal): Promise<SourceFile[]> {
    const files: SourceFile[] = [];
    try {
      const pages = paginateListObjectsV2(
        {
          client: this.client,
          ...(this.options.listPageSize !== undefined && { pageSize: this.options.listPageSize }),
        },
        { Bucket: bucket, Prefix: prefix },
        ...(signal === undefined ? [] : [{ abortSignal: signal }]),
      );
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          const key = object.Key;
          if (key === undefined) continue;
          // [choice] A zero-byte key ending in `/` is a console "folder", not a file (no local folder holds one).
          if (key.endsWith('/') && (object.Size ?? 0) === 0) continue;
          files.push({
            key,
            path: s3Path(bucket, key),
            size: object.Size ?? 0,
            ...(object.ETag !== undefined && { etag: object.ETag }),
          });
        }
      }
    } catch (error) {
      throw s3Error(error, { bucket, operation: 'ListObjectsV2' });
    }
    return files;
  }

  async head(bucket: string, key: string, signal?: AbortSignal): Promise<SourceFile> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key }),
        signal === undefined ? {} : { abortSignal: signal },
      );
      return {
        key,
        path: s3Path(bucket, key),
        size: head.ContentLength ?? 0,
        ...(head.ETag !== undefined && { etag: head.ETag }),
      };
    } catch (error) {
      throw s3Error(error, { bucket, key, operation: 'HeadObject' });
    }
  }

  /** R-DUP-1: the ETag stands for the version; rows are read again from the range cache (range-cache.ts). */
  version(file: SourceFile): Promise<string | null> {
    return cachedRereads.version(this.cache, file);
  }

  /**
   * R-DUP-1: from the staged blocks still held, else from the range cache's file where this thread's reads wrote
   * the bytes, else by a ranged GET of the listed version (sync-range.ts).
   */
  readSync(file: SourceFile, version: string, offset: number, length: number): Buffer | null {
    const cache = this.cache;
    // Bytes past the object's end are not made up.
    if (cache === null || version !== file.etag || offset < 0 || offset + length > file.size) return null;
    const held = this.heldOf(cache.fileOf(file));
    const bytes = copyHeld(held, offset, length) ?? cache.read(file, offset, length);
    if (bytes !== null) return bytes;
    this.rereader ??= new SyncRangeReader(s3ClientConfig(this.options));
    return this.rereader.read(file, offset, length);
  }

  /** The bytes the object's staging GETs hold now (each block's written part). */
  private heldOf(name: string): SharedBytes[] {
    return (this.blocks.get(name) ?? []).map((b) => ({ start: b.start, end: b.written, bytes: b.memory }));
  }

  retain(files: readonly SourceFile[]): () => void {
    return cachedRereads.retain(this.cache, files);
  }

  /**
   * Bytes staged by this process (options.staged, see `stage`) come from its shared blocks; the rest, and everything
   * when nothing is staged, from ranged GETs.
   */
  async *read(file: SourceFile, options: ReadChunksOptions): AsyncGenerator<Buffer, void, undefined> {
    let position = options.start ?? 0;
    const staged = options.staged;
    if (staged !== undefined && position >= staged.start) {
      const end = Math.min(staged.end, file.size);
      for (const chunk of heldChunks(heldBlocks(staged.held), position, end, options.highWaterMark)) {
        position += chunk.length;
        yield chunk;
      }
    }
    const { staged: _staged, ...rest } = options;
    yield* fetchRanges(this.gets, file, { ...rest, start: position });
  }

  /**
   * R-S3-1: bytes [start, end) into the range cache, for a worker of this process to read them there (`staged`): the
   * main thread of the parallel dry run stages each range just before its worker reads it. The bytes come in GETs of
   * `stageBytes` (one request for several ranges, each stage resolved as soon as its own bytes are written),
   * and the next block is asked for once the stages come within half a block of a block's end (the workers never
   * wait for a request to start).
   */
  async stage(
    file: SourceFile,
    start: number,
    end: number,
    signal?: AbortSignal,
  ): Promise<StagedBytes | null> {
    const cache = this.cache;
    if (cache === null) return null;
    const to = Math.min(end, file.size);
    const name = cache.fileOf(file);
    const blocks = this.cover(file, name, start, to);
    for (const block of blocks) block.users++;
    this.cover(file, name, to, Math.min(file.size, to + Math.floor(this.stageBytes / 2)));
    try {
      for (const block of blocks) await waitFor(block, Math.min(block.end, to), signal);
    } catch (error) {
      for (const block of blocks) block.users--;
      throw error;
    }
    const held: SharedBytes[] = blocks.map((b) => ({ start: b.start, end: b.end, bytes: b.memory }));
    return { start, end: to, held };
  }

  /**
   * The read given `staged` is over: blocks no stage holds any more, wholly before the furthest read that is over,
   * go back to the pool (a later stage or re-read of their bytes asks S3 again).
   */
  unstage(file: SourceFile, staged: StagedBytes): void {
    const cache = this.cache;
    if (cache === null) return;
    const name = cache.fileOf(file);
    const list = this.blocks.get(name);
    if (list === undefined) return;
    const given = new Set(heldBlocks(staged.held).map((h) => h.bytes));
    for (const block of list) if (given.has(block.memory)) block.users--;
    const readTo = Math.max(this.readTo.get(name) ?? 0, staged.end);
    this.readTo.set(name, readTo);
    for (let i = 0; i < list.length; i++) {
      const block = list[i]!;
      if (block.users > 0 || block.end > readTo || block.written < block.end) continue;
      list.splice(i--, 1);
      this.pool.give(block.memory);
    }
  }

  /** The staging GETs holding bytes [from, to) of the object, those missing started now. */
  private cover(file: SourceFile, name: string, from: number, to: number): StageBlock[] {
    const blocks: StageBlock[] = [];
    for (let position = from; position < to;) {
      const block = this.blockAt(file, name, position, to);
      blocks.push(block);
      position = block.end;
    }
    return blocks;
  }

  /**
   * The staging GET holding byte `position` (< the object's size), started now if none does: from `position` to at
   * least `to` (up to `stageBytes`), ending where the next block starts.
   */
  private blockAt(file: SourceFile, name: string, position: number, to: number): StageBlock {
    let blocks = this.blocks.get(name);
    if (blocks === undefined) this.blocks.set(name, (blocks = []));
    let at = 0;
    while (at < blocks.length && blocks[at]!.end <= position) at++;
    const found = blocks[at];
    if (found !== undefined && found.start <= position) return found;
    const end = Math.min(file.size, found?.start ?? Infinity, Math.max(to, position + this.stageBytes));
    const block: StageBlock = {
      start: position,
      end,
      memory: this.pool.take(end - position),
      written: position,
      users: 0,
      error: null,
      waiting: new Set(),
      controller: new AbortController(),
    };
    blocks.splice(at, 0, block);
    const wake = (): void => {
      for (const resume of block.waiting) resume();
    };
    void (async () => {
      try {
        await fillBlock(this.gets, file, block, wake);
      } catch (error) {
        block.error = { cause: error };
        // Dropped: the next stage of these bytes asks for them again.
        const list = this.blocks.get(name);
        const index = list?.indexOf(block) ?? -1;
        if (index >= 0) list!.splice(index, 1);
        wake();
      }
    })();
    return block;
  }
}
