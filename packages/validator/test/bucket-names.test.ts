import { describe, expect, it } from 'vitest';
import { fleetTask } from './fleet-task.js';
import { check, issuesOf } from './helpers.js';

const SOURCE = '/DataSourceConfiguration/DataSourceS3Configuration/BucketName';
const REPORT = '/ReportConfiguration/ReportS3Configuration/BucketName';

function withSourceBucket(name: string): ReturnType<typeof fleetTask> {
  const task = fleetTask();
  task.DataSourceConfiguration.DataSourceS3Configuration.BucketName = name;
  return task;
}

// Issue 18: the S3 bucket naming rules beyond the API pattern (S3 User Guide, general purpose bucket naming rules).
describe('bucket names S3 refuses (BUCKET_NAME_RULES)', () => {
  it.each([
    ['my..bucket', 'contains two adjacent periods'],
    ['192.168.1.1', 'is formatted as an IP address'],
    ['xn--bucket', 'starts with the reserved prefix "xn--"'],
    ['sthree-data', 'starts with the reserved prefix "sthree-"'],
    ['amzn-s3-demo-bucket', 'starts with the reserved prefix "amzn-s3-demo-"'],
    ['data-s3alias', 'ends with the reserved suffix "-s3alias"'],
    ['data--ol-s3', 'ends with the reserved suffix "--ol-s3"'],
    ['data.mrap', 'ends with the reserved suffix ".mrap"'],
    ['data--x-s3', 'ends with the reserved suffix "--x-s3"'],
    ['data--table-s3', 'ends with the reserved suffix "--table-s3"'],
  ])('warns about %s: it %s', (name, why) => {
    const result = check(withSourceBucket(name));
    expect(result.issues).toEqual([
      {
        severity: 'warning',
        code: 'BUCKET_NAME_RULES',
        path: SOURCE,
        message: `bucket name "${name}" ${why}: S3's bucket naming rules forbid it, so no such bucket can exist`,
      },
    ]);
    // A warning: the request is what CreateBatchLoadTask accepts [choice].
    expect(result.ok).toBe(true);
  });

  it.each(['test-batch-load-west-2', 'my.bucket.name', '192.168.1.1a', 'axn--b', 'bucket-mrap'])(
    'accepts %s',
    (name) => {
      expect(issuesOf(withSourceBucket(name))).toEqual([]);
    },
  );

  it('checks the report bucket and the data-model bucket too', () => {
    const task = fleetTask();
    task.ReportConfiguration.ReportS3Configuration.BucketName = 'reports..x';
    expect(issuesOf(task)).toEqual([`warning BUCKET_NAME_RULES ${REPORT}`]);
    task.ReportConfiguration.ReportS3Configuration.BucketName = 'reports';
    task.DataModelConfiguration = {
      DataModelS3Configuration: { BucketName: '10.0.0.1', ObjectKey: 'model.json' },
    };
    expect(issuesOf(task)).toContain(
      'warning BUCKET_NAME_RULES /DataModelConfiguration/DataModelS3Configuration/BucketName',
    );
  });

  it('leaves a name the API pattern refuses to the schema: one mistake, one issue (R-VAL-1)', () => {
    expect(issuesOf(withSourceBucket('My..Bucket'))).toEqual([`error TASK_BAD_PATTERN ${SOURCE}`]);
  });
});
