/**
 * R-SUBMIT-2 `--stage-prefix`: the objects of a staged task copied server-side (CopyObject, no bytes through this
 * machine) into the task's own prefix. Run again, it copies only what is missing; a prefix holding anything else
 * is refused, since the task would read it too.
 */
import { CopyObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { s3ClientConfig, type AwsSettings } from '../aws-settings.js';
import { AwsError } from '../errors.js';
import { s3Error } from '../s3-errors.js';
import { createS3Reader } from '../s3-reader.js';
import { parseS3Path } from '../s3-uri.js';
import type { PlannedTask } from './plan-tasks.js';

/** CopySource is `bucket/key`, URL-encoded segment by segment (S3 decodes it; `/` stays a separator). */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

async function existing(client: S3Client, bucket: string, key: string): Promise<{ size: number } | null> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { size: head.ContentLength ?? 0 };
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return null;
    throw s3Error(error, { bucket, key, operation: 'HeadObject' });
  }
}

export interface StageResult {
  copied: number;
  /** Copies already there from an earlier run (same size). */
  kept: number;
}

/** Copies the objects of one staged task; returns what it did. A task without copies is left alone. */
export async function stageTask(
  task: PlannedTask,
  settings: AwsSettings,
  onCopy?: (from: string, to: string) => void,
): Promise<StageResult> {
  const result = { copied: 0, kept: 0 };
  if (task.copies.length === 0) return result;
  const client = new S3Client(s3ClientConfig(settings));
  try {
    for (const { from, toKey } of task.copies) {
      const source = parseS3Path(from.path);
      const there = await existing(client, task.bucket, toKey);
      if (there !== null && there.size === from.size) {
        result.kept++;
        continue;
      }
      onCopy?.(from.path, `s3://${task.bucket}/${toKey}`);
      try {
        await client.send(
          new CopyObjectCommand({
            Bucket: task.bucket,
            Key: toKey,
            CopySource: copySource(source.bucket, source.key),
            // The version listed, not a newer one (R-S3-1); S3 answers 412 otherwise.
            ...(from.etag !== undefined && { CopySourceIfMatch: from.etag }),
          }),
        );
      } catch (error) {
        throw s3Error(error, { bucket: task.bucket, key: toKey, operation: 'CopyObject' });
      }
      result.copied++;
    }
    await checkStaged(task, settings);
    return result;
  } finally {
    client.destroy();
  }
}

/** The task's prefix must hold exactly its copies, each of the size listed. */
async function checkStaged(task: PlannedTask, settings: AwsSettings): Promise<void> {
  const listed = await createS3Reader(settings).list(task.bucket, task.prefix);
  const expected = new Map(task.copies.map((c) => [c.toKey, c.from.size]));
  const wrong = listed.filter((f) => expected.get(f.key) !== f.size);
  if (wrong.length > 0 || listed.length !== expected.size) {
    const names = wrong
      .slice(0, 5)
      .map((f) => f.key)
      .join(', ');
    throw new AwsError(
      'PLAN_STAGE_FAILED',
      `s3://${task.bucket}/${task.prefix} holds ${listed.length} objects, the plan copied ${expected.size} there` +
        `${names === '' ? '' : ` (not the plan's: ${names})`}: empty that prefix or choose another --stage-prefix`,
    );
  }
}
