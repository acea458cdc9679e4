/** The module a worker thread imports (core's readerFromSpec) to build the S3 reader of the main thread. */
import type { SourceReader } from '@tsbatch/core';

import type { StaticCredentials } from './aws-settings.js';
import { createS3Reader, type S3ReaderSpecOptions } from './s3-reader.js';

export function createSourceReader(options: unknown, secrets: unknown, local: unknown): SourceReader {
  const settings = (options ?? {}) as S3ReaderSpecOptions;
  return createS3Reader({
    ...settings,
    ...(secrets !== undefined && { credentials: secrets as StaticCredentials }),
    // The main thread's range cache folder (R-DUP-1 re-reads), shared by this process's threads only.
    rangeCache: typeof local === 'string' ? local : false,
  });
}
