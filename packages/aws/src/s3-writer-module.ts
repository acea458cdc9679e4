/** The module a worker thread imports (serve's journal export, R-QLDB-4) to build the S3 writer of the main thread. */
import type { AwsSettings, StaticCredentials } from './aws-settings.js';
import { createS3Writer, type S3Writer } from './s3-writer.js';

export function createObjectWriter(options: unknown, secrets: unknown): S3Writer {
  return createS3Writer({
    ...((options ?? {}) as Omit<AwsSettings, 'credentials'>),
    ...(secrets !== undefined && { credentials: secrets as StaticCredentials }),
  });
}
