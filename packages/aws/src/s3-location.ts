/** R-S3-1 for the library: a SourceLocation whose buckets are read from S3. */
import type { SourceLocation } from '@tsbatch/core';

import { createS3Reader, type S3ReaderOptions } from './s3-reader.js';

/** Pass to validateTask / resolveSource instead of `{source}` or `{s3Root}`: the task's buckets are read from S3. */
export function s3SourceLocation(options: S3ReaderOptions = {}): SourceLocation {
  return { reader: createS3Reader(options) };
}
