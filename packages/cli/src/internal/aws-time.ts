/**
 * Times in `--json` output (issue 18): the AWS CLI v2 form, `2024-05-01T01:30:00.000000+00:00` (ISO 8601 in UTC,
 * six fraction digits, `+00:00`), so scripts written against `aws timestream-write describe-batch-load-task` read
 * ours unchanged. [choice] Always six digits: the AWS CLI drops the fraction when it is zero (Python's isoformat);
 * one width is easier to compare and sort. The wire (tsbatch serve) keeps epoch seconds (R-LOCAL-1).
 */

/** The members of the AWS shapes we print that hold a time (BatchLoadTaskDescription, BatchLoadTask). */
const TIME_MEMBERS = new Set(['CreationTime', 'LastUpdatedTime', 'ResumableUntil']);

/** An instant (a Date, or any string Date can parse) in the AWS CLI v2 form. */
export function awsCliTime(instant: Date | string): string {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(date.getTime())) return String(instant);
  return `${date.toISOString().slice(0, 23)}000+00:00`;
}

/** A copy of `value` with every time member in the AWS CLI v2 form; everything else as it was. */
export function withAwsCliTimes<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => withAwsCliTimes(v)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      TIME_MEMBERS.has(key) && typeof member === 'string' ? awsCliTime(member) : withAwsCliTimes(member);
  }
  return out as T;
}

/** `JSON.stringify` of an AWS-shaped answer with its times in the AWS CLI v2 form, and a final newline. */
export function awsJson(value: unknown, indent = 2): string {
  return `${JSON.stringify(withAwsCliTimes(value), null, indent)}\n`;
}
