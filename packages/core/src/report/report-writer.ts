/** R-S3-2: where a task's error report goes in its report bucket, and what writes it there. */

/** Writes one object: the local endpoint's `--s3-root` folders, or S3 (@tsbatch/aws). */
export interface ObjectWriter {
  /** Writes `body` as s3://bucket/key, replacing an object the writer itself wrote; throws with a clear message. */
  put(bucket: string, key: string, body: string, signal?: AbortSignal): Promise<void>;
}

/**
 * R-S3-2 [choice]: the key of a task's error report, `<prefix>/<TaskId>/error-report.json` (the service does not
 * document its own); an empty prefix puts it at `<TaskId>/error-report.json`, a trailing `/` is not doubled.
 */
export function errorReportKey(prefix: string, taskId: string): string {
  const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  return `${folder}${taskId}/error-report.json`;
}
