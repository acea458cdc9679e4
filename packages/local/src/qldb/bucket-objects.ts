/**
 * R-QLDB-4: objects of an export written into its bucket, a folder under `--s3-root` (`<root>/<bucket>/<key>`). The
 * containment rules of core's resolveReportFolder (no `..`, no absolute key, no link leading out of the root) are
 * checked for every folder written to; an object is written to a temporary file beside it and renamed into place,
 * never onto anything but a regular file (a symlink or a device in the way cancels the export).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { lstat, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { resolveReportFolder } from '@tsbatch/core';

/** Why an export cannot write its objects: the export is CANCELLED with this message (R-QLDB-3). */
export class ExportWriteError extends Error {
  override readonly name = 'ExportWriteError';
}

export class BucketWriter {
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
    const temp = path.join(folder, `.tsbatch-upload-${randomBytes(6).toString('hex')}.tmp`);
    let stream: WriteStream;
    try {
      stream = createWriteStream(temp, { flags: 'wx' });
      await new Promise<void>((resolve, reject) =>
        stream.once('open', () => resolve()).once('error', reject),
      );
    } catch (error) {
      throw new ExportWriteError(`Cannot write in ${folder}: ${(error as Error).message}`);
    }
    return new ObjectUpload(this, stream, temp);
  }

  /** The local folder of a key's folder, checked inside the root. */
  async folder(keyFolder: string): Promise<string> {
    const prefix = keyFolder === '.' ? '' : keyFolder;
    const where = await resolveReportFolder({ bucket: this.bucket, prefix }, this.s3Root);
    if (!where.ok) throw new ExportWriteError(where.error.message);
    return where.path;
  }
}

export class ObjectUpload {
  bytes = 0;
  private failed: Error | null = null;

  constructor(
    private readonly bucket: BucketWriter,
    private readonly stream: WriteStream,
    private readonly temp: string,
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

  /** Closes the file and moves it to `key` (never onto a symlink, a folder or a device). */
  async commit(key: string): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    if (this.failed !== null) throw new ExportWriteError(`Cannot write ${this.temp}: ${this.failed.message}`);
    const target = path.join(await this.bucket.folder(path.posix.dirname(key)), path.posix.basename(key));
    const there = await lstat(target).catch(() => undefined);
    if (there !== undefined && !there.isFile()) {
      await rm(this.temp, { force: true });
      throw new ExportWriteError(`Refusing to replace ${target}: it is not a regular file.`);
    }
    await rename(this.temp, target);
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await rm(this.temp, { force: true });
  }
}
