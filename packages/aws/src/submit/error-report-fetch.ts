/** R-SUBMIT-1 / R-S3-2: the error report of a finished task, read back from its report bucket. */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { errorReportKey, type ErrorReport } from '@tsbatch/core';

import { s3ClientConfig, type AwsSettings } from '../aws-settings.js';
import { s3Error } from '../s3-errors.js';

/**
 * The report at `<prefix>/<TaskId>/error-report.json` (R-S3-2 [choice], what `tsbatch serve` writes); else, since
 * AWS does not document its key, the first JSON object under `<prefix>/<TaskId>/` whose `taskId` is the task's.
 * null when there is none (nothing failed).
 */
export async function fetchErrorReport(
  report: { bucket: string; prefix: string },
  taskId: string,
  settings: AwsSettings,
): Promise<ErrorReport | null> {
  const client = new S3Client(s3ClientConfig(settings));
  try {
    const exact = errorReportKey(report.prefix, taskId);
    const found = await readJson(client, report.bucket, exact);
    if (found !== undefined) return found;
    const folder = exact.slice(0, exact.length - 'error-report.json'.length);
    let listing;
    try {
      listing = await client.send(new ListObjectsV2Command({ Bucket: report.bucket, Prefix: folder }));
    } catch (error) {
      throw s3Error(error, { bucket: report.bucket, key: folder, operation: 'ListObjectsV2' });
    }
    for (const object of listing.Contents ?? []) {
      if (object.Key === undefined || !object.Key.endsWith('.json')) continue;
      const candidate = await readJson(client, report.bucket, object.Key);
      if (candidate?.taskId === taskId) return candidate;
    }
    return null;
  } finally {
    client.destroy();
  }
}

async function readJson(client: S3Client, bucket: string, key: string): Promise<ErrorReport | undefined> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await out.Body!.transformToString('utf8')) as ErrorReport;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
    if (error instanceof SyntaxError) return undefined;
    throw s3Error(error, { bucket, key, operation: 'GetObject' });
  }
}
