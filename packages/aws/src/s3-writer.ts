/** R-S3-2: reports (and uploads) put into S3 with PutObject. */
import { createReadStream } from 'node:fs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ObjectWriter } from '@tsbatch/core';

import { s3ClientConfig, type AwsSettings } from './aws-settings.js';
import { s3Error } from './s3-errors.js';

/** An ObjectWriter over S3 (the error report of a task, R-S3-2). */
export function createS3Writer(settings: AwsSettings = {}): ObjectWriter & {
  putFile(
    bucket: string,
    key: string,
    file: string,
    size: number,
    signal?: AbortSignal,
  ): Promise<string | undefined>;
} {
  const client = new S3Client(s3ClientConfig(settings));
  return {
    async put(bucket, key, body, signal) {
      try {
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
          signal === undefined ? {} : { abortSignal: signal },
        );
      } catch (error) {
        throw s3Error(error, { bucket, key, operation: 'PutObject' });
      }
    },
    /** Streams a local file up as one object (a batch-load file is at most 5 GB, PutObject's own limit). */
    async putFile(bucket, key, file, size, signal) {
      try {
        const out = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: createReadStream(file),
            ContentLength: size,
          }),
          signal === undefined ? {} : { abortSignal: signal },
        );
        return out.ETag;
      } catch (error) {
        throw s3Error(error, { bucket, key, operation: 'PutObject' });
      }
    },
  };
}
