/** R-SUBMIT-1 `--upload DIR`: local files put under the task's source prefix, keys as `--source DIR` gives them. */
import type { ResolvedSource, SourceFile } from '@tsbatch/core';

import type { AwsSettings } from '../aws-settings.js';
import { AwsError } from '../errors.js';
import { createS3Reader } from '../s3-reader.js';
import { createS3Writer } from '../s3-writer.js';

/**
 * Puts every file of `local` (resolved from `--source DIR` for the task's prefix) at its key in `bucket`, then lists
 * the prefix: it must hold exactly those objects, or the task would read files the prediction did not cover.
 * Returns the listing (with ETags) for the ClientToken.
 */
export async function uploadSource(
  local: ResolvedSource,
  bucket: string,
  prefix: string,
  settings: AwsSettings,
  onFile?: (file: SourceFile) => void,
): Promise<SourceFile[]> {
  const writer = createS3Writer(settings);
  for (const file of local.files) {
    onFile?.(file);
    await writer.putFile(bucket, file.key, file.path, file.size);
  }
  const listed = await createS3Reader(settings).list(bucket, prefix);
  const expected = new Map(local.files.map((f) => [f.key, f.size]));
  const extra = listed.filter((f) => expected.get(f.key) !== f.size);
  if (extra.length > 0 || listed.length !== local.files.length) {
    const names = extra
      .slice(0, 5)
      .map((f) => f.key)
      .join(', ');
    throw new AwsError(
      'SUBMIT_UPLOAD_FAILED',
      `s3://${bucket}/${prefix} holds ${listed.length} objects after the upload of ${local.files.length} files` +
        `${names === '' ? '' : ` (not from the upload: ${names})`}: the task would read more than the prediction covers`,
    );
  }
  return listed;
}
