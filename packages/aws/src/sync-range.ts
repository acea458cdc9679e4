/**
 * R-DUP-1 for S3 sources (R-S3-1): bytes of an object read synchronously, for a row the duplicate check reads again
 * (core's RowRereader is synchronous) whose bytes this process no longer holds (the parallel dry run's staged blocks
 * are reused once their range is read). A helper thread with the full reader makes the ranged GET (If-Match on the
 * listed ETag, the SDK's standard retry) into shared memory while this thread waits on it (Atomics.wait). Bytes come
 * in aligned blocks of `blockBytes` kept in a small LRU: rows read again are often near each other (a file loaded
 * twice), so a file full of duplicates costs a GET per block, never a GET per row.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { SourceFile } from '@tsbatch/core';

import { AwsError } from './errors.js';
import { objectChanged, s3Error } from './s3-errors.js';
import { parseS3Path } from './s3-uri.js';

/** [choice] Bytes per GET of rows read again: a row is rarely over a few KiB; 1 MiB holds thousands of neighbours. */
export const REREAD_BLOCK_BYTES = 1024 * 1024;
/** [choice] Blocks kept (16 MiB). */
const REREAD_BLOCKS = 16;
/** [choice] How long a GET may take before the read fails: the SDK's retries of a 60 s request timeout, and more. */
const WAIT_MS = 4 * 60_000;

/**
 * What every helper thread runs first: if it ever stops (an uncaught error, an exit), it says so in the control word
 * (3, word 1 set for good) and on the port, so the waiting thread fails at once instead of waiting out WAIT_MS.
 */
const HELPER_PRELUDE = `
const { parentPort, workerData } = require('node:worker_threads');
const { control, port } = workerData;
const flag = new Int32Array(control);
let stoppedBy = 'it exited';
function stopWith(error) {
  stoppedBy = String((error && error.message) || error);
  process.exit(1);
}
process.on('uncaughtException', stopWith);
process.on('unhandledRejection', stopWith);
process.on('exit', () => {
  port.postMessage({ stopped: stoppedBy });
  Atomics.store(flag, 1, 1);
  Atomics.store(flag, 0, 3);
  Atomics.notify(flag, 0);
});
`;

/**
 * The helper thread, plain JavaScript run with no loader (a thread blocked in Atomics.wait must not be the one a
 * module loader's hooks answer through: under tsx that deadlocks). It loads the SDK through the package's own
 * resolution and answers each request: 1 in the control word when the bytes are in, 2 and the failure on the port.
 */
const HELPER = `
const { createRequire } = require('node:module');
const { config, from } = workerData;
let sdk = null;
let client = null;
try {
  sdk = createRequire(from)('@aws-sdk/client-s3');
  client = new sdk.S3Client({ ...config, requestHandler: { requestTimeout: 60000, throwOnRequestTimeout: true } });
} catch (error) {
  sdk = { error };
}
function fail(failure) {
  port.postMessage(failure);
  Atomics.store(flag, 0, 2);
  Atomics.notify(flag, 0);
}
parentPort.on('message', async ({ bucket, key, etag, start, end, data }) => {
  if (client === null) return fail({ name: 'Error', message: String(sdk.error && sdk.error.message) });
  const out = new Uint8Array(data);
  let at = 0;
  try {
    for (let attempt = 0; at < end - start; attempt++) {
      const answer = await client.send(
        new sdk.GetObjectCommand({
          Bucket: bucket,
          Key: key,
          Range: 'bytes=' + (start + at) + '-' + (end - 1),
          ...(etag === undefined ? {} : { IfMatch: etag }),
        }),
      );
      if (etag !== undefined && answer.ETag !== undefined && answer.ETag !== etag) {
        answer.Body.destroy();
        return fail({ changed: answer.ETag });
      }
      try {
        for await (const chunk of answer.Body) {
          const n = Math.min(chunk.length, end - start - at);
          out.set(n === chunk.length ? chunk : chunk.subarray(0, n), at);
          at += n;
        }
      } catch (error) {
        if (attempt >= 3) throw error;
      }
      if (attempt >= 3 && at < end - start) throw new Error('the body ended at byte ' + (start + at));
    }
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  } catch (error) {
    const e = error || {};
    fail({
      name: e.name,
      Code: e.Code,
      message: String(e.message),
      $metadata: e.$metadata && { httpStatusCode: e.$metadata.httpStatusCode },
    });
  }
});
`;

/** A failed GET as the helper sends it back: the SDK error's fields s3Error reads, or the ETag now listed. */
interface HelperFailure {
  changed?: string;
  /** The helper thread stopped (HELPER_PRELUDE): why. */
  stopped?: string;
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

interface Block {
  path: string;
  etag: string | undefined;
  start: number;
  bytes: Buffer;
}

export class SyncRangeReader {
  private helper: { worker: Worker; port: MessagePort } | null = null;
  /** Word 0: the state of the request (0 asked, 1 done, 2 failed, 3 the helper stopped); word 1: 1 once it stopped. */
  private readonly control = new Int32Array(new SharedArrayBuffer(8));
  /** Most recently used last. */
  private readonly blocks: Block[] = [];
  /** GETs made (tests). */
  requests = 0;

  /**
   * `config`: the S3 client's (s3ClientConfig: plain data, static credentials or a profile name at most);
   * `helperSource`: the helper thread's code after HELPER_PRELUDE (tests: one that stops).
   */
  constructor(
    private readonly config: S3ClientConfig,
    private readonly blockBytes = REREAD_BLOCK_BYTES,
    private readonly helperSource = HELPER,
  ) {}

  /** Bytes [offset, offset + length) of the listed version of the object (throws when S3 cannot give them). */
  read(file: SourceFile, offset: number, length: number): Buffer {
    const end = offset + length;
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const b = this.blocks[i]!;
      if (b.path !== file.path || b.etag !== file.etag || offset < b.start || end > b.start + b.bytes.length)
        continue;
      this.blocks.splice(i, 1);
      this.blocks.push(b);
      return Buffer.from(b.bytes.subarray(offset - b.start, end - b.start));
    }
    const from = offset - (offset % this.blockBytes);
    const to = Math.min(file.size, Math.ceil(end / this.blockBytes) * this.blockBytes);
    const bytes = this.get(file, from, Math.max(to, end));
    this.blocks.push({ path: file.path, etag: file.etag, start: from, bytes });
    if (this.blocks.length > REREAD_BLOCKS) this.blocks.shift();
    return Buffer.from(bytes.subarray(offset - from, end - from));
  }

  /** Stops the helper thread (it never keeps the process alive meanwhile). */
  close(): void {
    const helper = this.helper;
    this.helper = null;
    this.blocks.length = 0;
    if (helper !== null) {
      helper.port.close();
      void helper.worker.terminate();
    }
  }

  private get(file: SourceFile, start: number, end: number): Buffer {
    const helper = this.start();
    const { bucket, key } = parseS3Path(file.path);
    const data = new SharedArrayBuffer(end - start);
    Atomics.store(this.control, 0, 0);
    this.requests++;
    // A helper that stopped since the last request answers nothing: its exit already said so (word 1).
    if (Atomics.load(this.control, 1) === 0)
      helper.worker.postMessage({ bucket, key, etag: file.etag, start, end, data });
    else Atomics.store(this.control, 0, 3);
    const waited = Atomics.wait(this.control, 0, 0, WAIT_MS);
    const state = Atomics.load(this.control, 0);
    if (state === 1) return Buffer.from(data);
    const failure = receiveMessageOnPort(helper.port)?.message as HelperFailure | undefined;
    if (state === 3) {
      this.close();
      throw new AwsError(
        'S3_REQUEST_FAILED',
        `GetObject ${file.path}: the thread reading rows again (R-DUP-1) stopped: ${failure?.stopped ?? 'it exited'}`,
      );
    }
    if (failure === undefined || (waited === 'timed-out' && state === 0)) {
      this.close();
      throw new AwsError(
        'S3_REQUEST_FAILED',
        `GetObject ${file.path}: no answer within ${WAIT_MS / 1000} s reading a row again (R-DUP-1)`,
      );
    }
    if (failure.changed !== undefined)
      throw objectChanged(bucket, key, `: listed ${file.etag}, now ${failure.changed}`);
    throw s3Error(failure, { bucket, key, operation: 'GetObject' });
  }

  private start(): { worker: Worker; port: MessagePort } {
    if (this.helper !== null) return this.helper;
    const { port1, port2 } = new MessageChannel();
    Atomics.store(this.control, 1, 0);
    const worker = new Worker(HELPER_PRELUDE + this.helperSource, {
      eval: true,
      execArgv: [],
      workerData: { control: this.control.buffer, port: port2, config: this.config, from: import.meta.url },
      transferList: [port2],
    });
    // The helper waits for requests only while this thread asks: it never holds the process open.
    worker.unref();
    port1.unref();
    worker.on('error', () => undefined);
    this.helper = { worker, port: port1 };
    return this.helper;
  }
}
