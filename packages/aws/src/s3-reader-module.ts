/**
 * The module a worker thread imports (core's readerFromSpec) to build the S3 reader of the main thread (R-S3-1).
 * It loads no SDK itself: a worker of the parallel dry run reads the bytes the main thread staged for its range from
 * the shared blocks handed to it with the range (S3SourceReader.stage, staged-memory.ts), and only what lies beyond
 * them (a row running past the staged bytes), or a listing, makes it load the full reader (s3-reader.ts, with
 * @aws-sdk/client-s3: about 0.2 s of CPU per thread).
 */
import { importModule, type ReadChunksOptions, type SourceFile, type SourceReader } from '@tsbatch/core';

import { s3ClientConfig, type StaticCredentials } from './aws-settings.js';
import { cachedRereads, RangeCache } from './range-cache.js';
import { heldBlocks, heldChunks } from './staged-memory.js';
import { SyncRangeReader } from './sync-range.js';
import type { createS3Reader as CreateS3Reader, S3ReaderSpecOptions } from './s3-reader.js';

const here = import.meta.url;
/** The full reader's module: the `.ts` source under tsx, the compiled `.js` otherwise. */
const FULL_READER_MODULE = new URL(here.endsWith('.ts') ? './s3-reader.ts' : './s3-reader.js', here).href;

export function createSourceReader(options: unknown, secrets: unknown, local: unknown): SourceReader {
  return new LocalFirstS3Reader(
    (options ?? {}) satisfies S3ReaderSpecOptions,
    secrets as StaticCredentials | undefined,
    typeof local === 'string' ? local : undefined,
  );
}

/** The main thread's S3 reader as seen from another thread: staged bytes and re-reads from the range cache. */
class LocalFirstS3Reader implements SourceReader {
  readonly spec;
  readonly rereads: boolean;
  private readonly cache: RangeCache | null;
  private full: Promise<SourceReader> | null = null;
  private rereader: SyncRangeReader | null = null;

  constructor(
    private readonly settings: S3ReaderSpecOptions,
    private readonly secrets: StaticCredentials | undefined,
    private readonly folder: string | undefined,
  ) {
    this.cache = folder === undefined ? null : new RangeCache(folder);
    this.rereads = this.cache !== null;
    this.spec = {
      module: here,
      options: settings,
      ...(secrets !== undefined && { secrets }),
      ...(folder !== undefined && { local: folder }),
    };
  }

  /** The reader with the SDK, loaded the first time a request is needed. */
  private fullReader(): Promise<SourceReader> {
    this.full ??= (async () => {
      const { createS3Reader } = (await importModule(FULL_READER_MODULE)) as {
        createS3Reader: typeof CreateS3Reader;
      };
      return createS3Reader({
        ...this.settings,
        ...(this.secrets !== undefined && { credentials: this.secrets }),
        // [choice] Nothing kept: rows are read again on the main thread only (range-replay.ts), which asks S3 for
        // what it no longer holds.
        rangeCache: false,
      });
    })();
    return this.full;
  }

  async list(bucket: string, prefix: string, signal?: AbortSignal): Promise<SourceFile[]> {
    return (await this.fullReader()).list(bucket, prefix, signal);
  }

  async head(bucket: string, key: string, signal?: AbortSignal): Promise<SourceFile> {
    return (await this.fullReader()).head(bucket, key, signal);
  }

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
    if (position >= file.size) return;
    const { staged: _staged, ...rest } = options;
    yield* (await this.fullReader()).read(file, { ...rest, start: position });
  }

  /** R-DUP-1: the ETag stands for the version; rows are read again from the range cache (range-cache.ts). */
  version(file: SourceFile): Promise<string | null> {
    return cachedRereads.version(this.cache, file);
  }

  /**
   * R-DUP-1 (rows are read again on the main thread, range-replay.ts; this thread would ask S3 the same way): this
   * thread writes no range cache, so the bytes come by a ranged GET of the listed version (sync-range.ts).
   */
  readSync(file: SourceFile, version: string, offset: number, length: number): Buffer | null {
    if (this.cache === null || version !== file.etag || offset < 0 || offset + length > file.size)
      return null;
    this.rereader ??= new SyncRangeReader(
      s3ClientConfig({ ...this.settings, ...(this.secrets !== undefined && { credentials: this.secrets }) }),
    );
    return this.rereader.read(file, offset, length);
  }

  retain(files: readonly SourceFile[]): () => void {
    return cachedRereads.retain(this.cache, files);
  }
}
