/**
 * Issue 18: the S3 bucket naming rules that the API model's pattern does not express (Amazon S3 User Guide,
 * "General purpose bucket naming rules", https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
 * They are warnings [choice]: CreateBatchLoadTask's model accepts such a name, but no such bucket can exist, so the
 * real task would fail to read from (or write its report to) it.
 */
import type { IssueList } from './issues.js';
import { has, isObject, objectMember, pointer, stringMember } from './json.js';

const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'] as const;
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'] as const;
const IP_ADDRESS = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
/** The API model's pattern (R-VAL-1): a name it refuses is reported by the schema, not here. */
const API_PATTERN = /^[a-z0-9][.\-a-z0-9]{1,61}[a-z0-9]$/;

/** Why S3 would refuse this bucket name, or undefined when it follows the rules. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.includes('..')) return 'contains two adjacent periods';
  if (IP_ADDRESS.test(name)) return 'is formatted as an IP address';
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix !== undefined) return `starts with the reserved prefix "${prefix}"`;
  const suffix = RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix !== undefined) return `ends with the reserved suffix "${suffix}"`;
  return undefined;
}

/** The three buckets a task names: its source, its report and its data model in S3. */
const BUCKETS: [string, string][] = [
  ['DataSourceConfiguration', 'DataSourceS3Configuration'],
  ['ReportConfiguration', 'ReportS3Configuration'],
  ['DataModelConfiguration', 'DataModelS3Configuration'],
];

export function checkBucketNames(json: unknown, issues: IssueList): void {
  if (!isObject(json)) return;
  for (const [outer, inner] of BUCKETS) {
    const configuration = objectMember(json, outer);
    const s3 = configuration === undefined ? undefined : objectMember(configuration, inner);
    if (s3 === undefined || !has(s3, 'BucketName')) continue;
    const name = stringMember(s3, 'BucketName');
    if (name === undefined || !API_PATTERN.test(name)) continue;
    const problem = bucketNameProblem(name);
    if (problem === undefined) continue;
    issues.warning(
      'BUCKET_NAME_RULES',
      pointer(pointer(`/${outer}`, inner), 'BucketName'),
      `bucket name "${name}" ${problem}: S3's bucket naming rules forbid it, so no such bucket can exist`,
    );
  }
}
