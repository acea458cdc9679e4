/** R-S3-2: reports (and uploads) put into S3 with PutObject; R-QLDB-4: journal exports of `tsbatch serve` too. */
import { createReadStream } from 'node:fs';
import { HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ObjectWriter } from '@tsbatch/core';

import { s3ClientConfig, s3EndpointOf, type AwsSettings, type StaticCredentials } from './aws-settings.js';
import { s3Error } from './s3-errors.js';

/**
 * How a worker thread builds the same writer (serve's journal exports write on their own threads): `module` exports
 * `createObjectWriter(options, secrets)`; the credentials travel apart, as secrets (never stored).
 */
export interface S3WriterSpec {
  module: string;
  options: Omit<AwsSettings, 'credentials'>;
  secrets?: StaticCredentials;
}

export interface S3Writer extends ObjectWriter {
  readonly spec: S3WriterSpec;
  /** Throws an AwsError (S3_BUCKET_NOT_FOUND, S3_ACCESS_DENIED, ...) when the bucket cannot be written to. */
  checkBucket(bucket: string, signal?: AbortSignal): Promise<void>;
  /** Streams a local file up as one object (a batch-load file is at most 5 GB, PutObject's own limit). */
  putFile(
    bucket: string,
    key: string,
    file: string,
    size: number,
    signal?: AbortSignal,
  ): Promise<string | undefined>;
}

const here = import.meta.url;
/** The module a worker imports to build this writer: the `.ts` source under tsx, the compiled `.js` otherwise. */
export const S3_WRITER_MODULE = new URL(
  here.endsWith('.ts') ? './s3-writer-module.ts' : './s3-writer-module.js',
  here,
).href;

/** An ObjectWriter over S3 (the error report of a task, R-S3-2; journal export objects, R-QLDB-4). */
export function createS3Writer(settings: AwsSettings = {}): S3Writer {
  const client = new S3Client(s3ClientConfig(settings));
  const { credentials, ...rest } = settings;
  const endpoint = s3EndpointOf(settings);
  const spec: S3WriterSpec = {
    module: S3_WRITER_MODULE,
    options: { ...rest, ...(endpoint !== undefined && { s3Endpoint: endpoint }) },
    ...(credentials !== undefined && { secrets: credentials }),
  };
  const options = (signal: AbortSignal | undefined): { abortSignal?: AbortSignal } =>
    signal === undefined ? {} : { abortSignal: signal };
  return {
    spec,
    async put(bucket, key, body, signal) {
      try {
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
          options(signal),
        );
      } catch (error) {
        throw s3Error(error, { bucket, key, operation: 'PutObject' });
      }
    },
    async checkBucket(bucket, signal) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }), options(signal));
      } catch (error) {
        throw s3Error(error, { bucket, operation: 'HeadBucket' });
      }
    },
    async putFile(bucket, key, file, size, signal) {
      try {
        const out = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: createReadStream(file),
            ContentLength: size,
          }),
          options(signal),
        );
        return out.ETag;
      } catch (error) {
        throw s3Error(error, { bucket, key, operation: 'PutObject' });
      }
    },
  };
}
