/**
 * The one error of @tsbatch/aws (STYLE rule 5): match on `code`, never on the class. The codes, their meaning and
 * their fix are listed in packages/aws/README.md.
 */

export const AWS_ERROR_CODES = [
  /** No credentials in the chain (environment, --profile, SSO, instance role). */
  'S3_CREDENTIALS_MISSING',
  /** The bucket does not exist (NoSuchBucket). */
  'S3_BUCKET_NOT_FOUND',
  /** The object does not exist (NoSuchKey, or a HEAD answered 404). */
  'S3_OBJECT_NOT_FOUND',
  /** S3 refused the request (AccessDenied, a bad key id or signature). */
  'S3_ACCESS_DENIED',
  /** Any other failure of an S3 request, after the SDK's retries. */
  'S3_REQUEST_FAILED',
  /** A setting is unusable (an endpoint that is not a URL, a bad s3:// URI). */
  'AWS_INVALID_SETTING',
  /** The Timestream Write service refused or failed a call (CreateBatchLoadTask, DescribeBatchLoadTask, ...). */
  'SUBMIT_REQUEST_FAILED',
  /** A local file to upload cannot be read, or the prefix holds objects the upload did not put there. */
  'SUBMIT_UPLOAD_FAILED',
  /** The service refused a new or resumed task: too many are active (ServiceQuotaExceededException). */
  'SUBMIT_QUOTA_EXCEEDED',
  /** The source cannot be split into tasks within the quotas by prefixes (R-SUBMIT-2): use --stage-prefix. */
  'PLAN_UNSPLITTABLE',
  /** An object is over the 5 GB file quota: no task can read it (R-SUBMIT-2); split the file. */
  'PLAN_OBJECT_TOO_LARGE',
  /** The stage prefix overlaps the source, or is not a legal ObjectKeyPrefix. */
  'PLAN_INVALID_STAGE',
  /** Copying into the stage prefix failed, or it holds objects the plan did not put there. */
  'PLAN_STAGE_FAILED',
] as const;
export type AwsErrorCode = (typeof AWS_ERROR_CODES)[number];

export class AwsError extends Error {
  override readonly name = 'AwsError';
  /** For core's source errors: SOURCE_NOT_FOUND when the bucket or object is missing. */
  readonly sourceCode: 'SOURCE_NOT_FOUND' | 'SOURCE_UNREADABLE';

  constructor(
    readonly code: AwsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.sourceCode =
      code === 'S3_BUCKET_NOT_FOUND' || code === 'S3_OBJECT_NOT_FOUND'
        ? 'SOURCE_NOT_FOUND'
        : 'SOURCE_UNREADABLE';
  }
}

/** Matched by code (STYLE rule 5). */
export function isAwsError(error: unknown): error is AwsError {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (AWS_ERROR_CODES as readonly string[]).includes(code);
}
