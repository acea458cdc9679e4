/**
 * R-QLDB-4: objects of an export written into its bucket: a folder under `--s3-root` (`<root>/<bucket>/<key>`,
 * BucketWriter), or an object store such as S3 (R-S3-1, R-S3-2: StoreBucket over the writer the CLI injects, built in
 * the export's worker thread from its spec, so this package never imports an SDK).
 *
 * In a folder, the containment rules of core's resolveReportFolder (no `..`, no absolute key, no link leading out of
 * the root) are checked for every folder written to; an object is written to a temporary file beside it and renamed
 * into place, never onto anything but a regular file (a symlink or a device in the way cancels the export). In an
 * object store an object is spooled to a temporary file (memory stays bounded whatever its size; a data object's key
 * is known only once it is full) and put whole at its commit, so a reader of the bucket never sees a partial one.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { importModule, resolveReportFolder } from '@tsbatch/core';

/** Why an export cannot write its objects: the export is CANCELLED with this message (R-QLDB-3). */
export class ExportWriteError extends Error {
  override readonly name = 'ExportWriteError';
}

/**
 * An object store as plain data (it crosses to the export's worker thread): `module` is a file: URL of a module
 * exporting `createObjectWriter(options, secrets)` that answers an ExportObjectStore (@tsbatch/aws's S3 writer).
 */
export interface ObjectStoreSpec {
  module: string;
  options?: unknown;
  secrets?: unknown;
}

/** What an export needs of an object store. Its errors carry messages that say what failed and where. */
export interface ExportObjectStore {
  /** Throws when the bucket does not exist or cannot be reached. */
  checkBucket(bucket: string, signal?: AbortSignal): Promise<void>;
  /** Puts a local file of `size` bytes as the object `key`. */
  putFile(bucket: string, key: string, file: string, size: number, signal?: AbortSignal): Promise<unknown>;
}

/** Where an export's buckets are: folders under `--s3-root`, or an object store (spooling under `spoolDir`). */
export type ExportBuckets = { s3Root: string } | { store: ObjectStoreSpec; spoolDir?: string };

/** One bucket as an export writes it. */
export interface ExportBucket {
  /** The bucket must exist (S3 answers NoSuchBucket otherwise). */
  checkBucket(): Promise<void>;
  /** A whole object at once (a manifest). */
  put(key: string, body: Buffer | string): Promise<void>;
  /** An object of a key folder written in chunks; its key is given at `commit` (a data object's name holds its last block). */
  open(keyFolder: string): Promise<ObjectUpload>;
  /** Removes what the bucket kept on this machine (an object store's spool folder). */
  close(): Promise<void>;
}

/** The bucket `name` of these buckets (an object store's module is imported once per thread). */
export async function openBucket(buckets: ExportBuckets, name: string): Promise<ExportBucket> {
  if ('s3Root' in buckets) return new BucketWriter(buckets.s3Root, name);
  const store = await objectStoreFromSpec(buckets.store);
  return new StoreBucket(store, name, buckets.spoolDir ?? os.tmpdir());
}

export class BucketWriter implements ExportBucket {
  constructor(
    private readonly s3Root: string,
    private readonly bucket: string,
  ) {}

  /** The bucket must exist: a folder under the root (S3 answers NoSuchBucket otherwise). */
  async checkBucket(): Promise<void> {
    const folder = path.join(path.resolve(this.s3Root), this.bucket);
    const info = await stat(folder).catch(() => undefined);
    if (info === undefined || !info.isDirectory()) {
      throw new ExportWriteError(`The bucket ${this.bucket} does not exist (no folder ${folder}).`);
    }
  }

  /** A whole object at once (a manifest). */
  async put(key: string, body: Buffer | string): Promise<void> {
    const object = await this.open(path.posix.dirname(key));
    await object.write(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
    await object.commit(key);
  }

  /** An object of a key folder written in chunks; its key is given at `commit` (a data object's name holds its last block). */
  async open(keyFolder: string): Promise<ObjectUpload> {
    const folder = await this.folder(keyFolder);
    await mkdir(folder, { recursive: true }).catch((error: unknown) => {
      throw new ExportWriteError(`Cannot create ${folder}: ${(error as Error).message}`);
    });
    const { stream, temp } = await tempFile(folder);
    return new ObjectUpload(stream, temp, async (key) => {
      const target = path.join(await this.folder(path.posix.dirname(key)), path.posix.basename(key));
      const there = await lstat(target).catch(() => undefined);
      if (there !== undefined && !there.isFile()) {
        await rm(temp, { force: true });
        throw new ExportWriteError(`Refusing to replace ${target}: it is not a regular file.`);
      }
      await rename(temp, target);
    });
  }

  /** The local folder of a key's folder, checked inside the root. */
  async folder(keyFolder: string): Promise<string> {
    const prefix = keyFolder === '.' ? '' : keyFolder;
    const where = await resolveReportFolder({ bucket: this.bucket, prefix }, this.s3Root);
    if (!where.ok) throw new ExportWriteError(where.error.message);
    return where.path;
  }

  async close(): Promise<void> {
    // every object is in its place or removed
  }
}

/** A bucket of an object store: objects spooled to temporary files, each put whole at its commit. */
class StoreBucket implements ExportBucket {
  private spool: Promise<string> | null = null;

  constructor(
    private readonly store: ExportObjectStore,
    private readonly bucket: string,
    private readonly spoolParent: string,
  ) {}

  async checkBucket(): Promise<void> {
    await this.store.checkBucket(this.bucket).catch((error: unknown) => {
      throw new ExportWriteError((error as Error).message, { cause: error });
    });
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    const object = await this.open();
    await object.write(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
    await object.commit(key);
  }

  async open(): Promise<ObjectUpload> {
    this.spool ??= mkdtemp(path.join(this.spoolParent, 'tsbatch-export-')).catch((error: unknown) => {
      this.spool = null;
      throw new ExportWriteError(
        `Cannot create a spool folder in ${this.spoolParent}: ${(error as Error).message}`,
      );
    });
    const { stream, temp } = await tempFile(await this.spool);
    const upload: ObjectUpload = new ObjectUpload(stream, temp, async (key) => {
      try {
        await this.store.putFile(this.bucket, key, temp, upload.bytes);
      } catch (error) {
        throw new ExportWriteError((error as Error).message, { cause: error });
      } finally {
        await rm(temp, { force: true });
      }
    });
    return upload;
  }

  async close(): Promise<void> {
    const spool = this.spool;
    this.spool = null;
    const folder = await spool?.catch(() => undefined);
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  }
}

/** Opens a new temporary file in `folder`. */
async function tempFile(folder: string): Promise<{ stream: WriteStream; temp: string }> {
  const temp = path.join(folder, `.tsbatch-upload-${randomBytes(6).toString('hex')}.tmp`);
  try {
    const stream = createWriteStream(temp, { flags: 'wx' });
    await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
    return { stream, temp };
  } catch (error) {
    throw new ExportWriteError(`Cannot write in ${folder}: ${(error as Error).message}`);
  }
}

/** An object being written to its temporary file; `place` moves (or puts) the closed file as its key. */
export class ObjectUpload {
  bytes = 0;
  private failed: Error | null = null;

  constructor(
    private readonly stream: WriteStream,
    private readonly temp: string,
    private readonly place: (key: string) => Promise<void>,
  ) {
    stream.on('error', (error) => (this.failed = error));
  }

  /** Writes a chunk, waiting while the file's buffer is full (bounded memory). */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.failed !== null) throw new ExportWriteError(`Cannot write ${this.temp}: ${this.failed.message}`);
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('error', done);
      });
    }
  }

  /** Closes the file and places it as `key` (in a folder: never onto a symlink, a folder or a device). */
  async commit(key: string): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    if (this.failed !== null) throw new ExportWriteError(`Cannot write ${this.temp}: ${this.failed.message}`);
    await this.place(key);
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await rm(this.temp, { force: true });
  }
}

const stores = new Map<string, Promise<ExportObjectStore>>();

/** The object store a spec stands for, built once per thread; only file: URLs are imported (our own packages). */
function objectStoreFromSpec(spec: ObjectStoreSpec): Promise<ExportObjectStore> {
  const key = JSON.stringify(spec);
  let store = stores.get(key);
  if (store === undefined) {
    store = (async () => {
      if (!spec.module.startsWith('file:')) {
        throw new TypeError(`object store module must be a file: URL, got ${spec.module}`);
      }
      const loaded = (await importModule(spec.module)) as {
        createObjectWriter?: (options: unknown, secrets: unknown) => ExportObjectStore;
      };
      if (typeof loaded.createObjectWriter !== 'function') {
        throw new TypeError(`${spec.module} does not export createObjectWriter`);
      }
      return loaded.createObjectWriter(spec.options, spec.secrets);
    })();
    store.catch(() => stores.delete(key));
    stores.set(key, store);
  }
  return store;
}
