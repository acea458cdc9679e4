/** `s3://bucket/key` paths: how S3 objects are named in SourceFile.path and on the command line. */
import { AwsError } from './errors.js';

export function s3Path(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** Bucket and key of `s3://bucket/key` (the key may be empty: a prefix). */
export function parseS3Path(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/s.exec(uri);
  if (match === null)
    throw new AwsError('AWS_INVALID_SETTING', `expected an s3://bucket/key URI, got '${uri}'`);
  return { bucket: match[1]!, key: match[2] ?? '' };
}
