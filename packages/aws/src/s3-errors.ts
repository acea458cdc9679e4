/** R-S3-1: an S3 SDK error as an AwsError whose message says what failed, where, and what to do. */
import { SourceChangedError } from '@tsbatch/core';

import { AwsError, type AwsErrorCode } from './errors.js';

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'Forbidden',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'AllAccessDisabled',
]);

/** What the request was about, for the message: `s3://bucket/key` and the operation. */
export interface S3Target {
  bucket: string;
  key?: string;
  operation: string;
}

/** The error for a failed request; a 412 on an If-Match read is core's SourceChangedError (the run stops). */
export function s3Error(error: unknown, target: S3Target): AwsError | SourceChangedError {
  if (error instanceof AwsError || error instanceof SourceChangedError) return error;
  const e = (error ?? {}) as SdkError;
  const name = e.Code ?? e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const where = `s3://${target.bucket}${target.key === undefined ? '' : `/${target.key}`}`;
  const said = `${target.operation} ${where}: ${name}${status === undefined ? '' : ` (HTTP ${status})`}`;
  let code: AwsErrorCode;
  let message: string;
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message ?? '')) {
    code = 'S3_CREDENTIALS_MISSING';
    message = `No AWS credentials to read ${where}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME, or run \`aws sso login\``;
  } else if (name === 'NoSuchBucket') {
    code = 'S3_BUCKET_NOT_FOUND';
    message = `The bucket ${target.bucket} does not exist (${said}); check the task's BucketName and the region or endpoint`;
  } else if (name === 'NoSuchKey' || (name === 'NotFound' && target.key !== undefined) || status === 404) {
    code = target.key === undefined ? 'S3_BUCKET_NOT_FOUND' : 'S3_OBJECT_NOT_FOUND';
    message = `${where} does not exist (${said})`;
  } else if (ACCESS_DENIED.has(name) || status === 403) {
    code = 'S3_ACCESS_DENIED';
    message = `Access denied to ${where} (${said}): the credentials need s3:ListBucket and s3:GetObject on it`;
  } else if (name === 'PreconditionFailed' || status === 412) {
    return objectChanged(target.bucket, target.key ?? '');
  } else {
    code = 'S3_REQUEST_FAILED';
    message = `${said}: ${e.message ?? String(error)}`;
  }
  return new AwsError(code, message, { cause: error });
}

/** R-S3-1: the object is no longer the version listed (If-Match failed, or another ETag came back). */
export function objectChanged(bucket: string, key: string, detail = ''): SourceChangedError {
  return new SourceChangedError(
    `s3://${bucket}/${key} changed during the run (its ETag is no longer the one listed${detail}); run again on the new version [SOURCE_CHANGED]`,
    key,
  );
}
