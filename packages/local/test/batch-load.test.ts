import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBatchLoadTaskCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  DescribeBatchLoadTaskCommand,
  ListBatchLoadTasksCommand,
  paginateListBatchLoadTasks,
  ResumeBatchLoadTaskCommand,
  WriteRecordsCommand,
  type BatchLoadTaskDescription,
  type CreateBatchLoadTaskCommandInput,
  type TimestreamWriteClient,
} from '@aws-sdk/client-timestream-write';
import { dryRun, resolveSource, type TimestreamRecord } from '@tsbatch/core';
import { validateTask } from '@tsbatch/validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../src/index.js';
import { failure, startTestServer, tempDir, type TestServer } from './helpers.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');
const NOW = new Date('2024-05-01T01:00:00.000Z');
const clock = (): Date => NOW;
const FLEET_TASK = JSON.parse(
  readFileSync(path.join(EXAMPLES, 'fleet/task.json'), 'utf8'),
) as CreateBatchLoadTaskCommandInput;
const SENSORS_TASK = JSON.parse(
  readFileSync(path.join(EXAMPLES, 'sensors/task.json'), 'utf8'),
) as CreateBatchLoadTaskCommandInput;
/** The fleet table of examples/fleet/table.json: memory 1 h, magnetic 3650 d, magnetic writes on. */
const FLEET_TABLE = {
  RetentionProperties: { MemoryStoreRetentionPeriodInHours: 1, MagneticStoreRetentionPeriodInDays: 3650 },
  MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
};

/** A scratch S3 root holding the examples' buckets (reports are written into it, never into examples/). */
function scratchS3(): string {
  const root = tempDir('tsbatch-s3-');
  cpSync(path.join(EXAMPLES, 'fleet/s3'), root, { recursive: true });
  cpSync(path.join(EXAMPLES, 'sensors/s3'), root, { recursive: true });
  cpSync(
    path.join(EXAMPLES, 'fleet/s3-with-errors/test-batch-load-west-2'),
    path.join(root, 'fleet-with-errors'),
    {
      recursive: true,
    },
  );
  return root;
}

function withTarget(
  task: CreateBatchLoadTaskCommandInput,
  database: string,
  table: string,
  bucket?: string,
): CreateBatchLoadTaskCommandInput {
  const source = task.DataSourceConfiguration!;
  return {
    ...task,
    TargetDatabaseName: database,
    TargetTableName: table,
    ...(bucket !== undefined && {
      DataSourceConfiguration: {
        ...source,
        DataSourceS3Configuration: { ...source.DataSourceS3Configuration!, BucketName: bucket },
      },
    }),
  };
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'PROGRESS_STOPPED']);

async function waitForTask(client: TimestreamWriteClient, taskId: string): Promise<BatchLoadTaskDescription> {
  for (let i = 0; i < 500; i++) {
    const out = await client.send(new DescribeBatchLoadTaskCommand({ TaskId: taskId }));
    const d = out.BatchLoadTaskDescription!;
    if (TERMINAL.has(d.TaskStatus ?? '')) return d;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`task ${taskId} did not finish`);
}

async function stored(t: TestServer, db: string, table: string): Promise<TimestreamRecord[]> {
  const out: TimestreamRecord[] = [];
  // The store's versions are exact (bigint, R-LOCAL-2); a task's RecordVersion here is a small number.
  for await (const r of t.server.store.records(db, table)) out.push({ ...r, Version: Number(r.Version) });
  return out;
}

/** The dry run of the same request and files, with the same table and "now". */
async function dryRunOf(request: unknown, s3Root: string, retention = FLEET_TABLE) {
  const validation = await validateTask(request, { location: { s3Root } });
  expect(validation.issues.filter((i) => i.severity === 'error')).toEqual([]);
  const task = validation.task!;
  const source = await resolveSource(task.source, { s3Root });
  if (!source.ok) throw new Error(source.error.message);
  const records: TimestreamRecord[] = [];
  const result = await dryRun(task, source.source, {
    now: NOW,
    table: {
      memoryStoreRetentionPeriodInHours: retention.RetentionProperties.MemoryStoreRetentionPeriodInHours,
      magneticStoreRetentionPeriodInDays: retention.RetentionProperties.MagneticStoreRetentionPeriodInDays,
      enableMagneticStoreWrites: retention.MagneticStoreWriteProperties.EnableMagneticStoreWrites,
    },
    onRecords: (_file, _line, rs) => void records.push(...rs),
  });
  return { result, records };
}

let s3Root: string;
let t: TestServer;
let tables = 0;

async function newTable(): Promise<string> {
  const name = `loaded_${++tables}`;
  await t.client.send(
    new CreateTableCommand({ DatabaseName: 'BatchLoadExampleDatabase', TableName: name, ...FLEET_TABLE }),
  );
  return name;
}

async function load(task: CreateBatchLoadTaskCommandInput): Promise<BatchLoadTaskDescription> {
  const { TaskId } = await t.client.send(new CreateBatchLoadTaskCommand(task));
  return waitForTask(t.client, TaskId!);
}

beforeAll(async () => {
  s3Root = scratchS3();
  t = await startTestServer({ s3Root, clock, taskQuotas: { perTable: 5, total: 10 } });
  await t.client.send(new CreateDatabaseCommand({ DatabaseName: 'BatchLoadExampleDatabase' }));
});
afterAll(async () => {
  await t.close();
});

describe('batch load through the endpoint (R-LOCAL-1, R-TASK-1..3)', () => {
  it('runs the fleet example to SUCCEEDED and describes it as DescribeBatchLoadTask does (R-TASK-2)', async () => {
    const table = await newTable();
    const request = withTarget(FLEET_TASK, 'BatchLoadExampleDatabase', table);
    const d = await load(request);
    expect(d.TaskId).toMatch(/^[0-9A-F]{32}$/);
    expect(d).toMatchObject({
      TaskStatus: 'SUCCEEDED',
      TargetDatabaseName: 'BatchLoadExampleDatabase',
      TargetTableName: table,
      RecordVersion: 1,
      DataModelConfiguration: FLEET_TASK.DataModelConfiguration,
      ReportConfiguration: FLEET_TASK.ReportConfiguration,
      CreationTime: NOW,
      LastUpdatedTime: NOW,
    });
    const { result } = await dryRunOf(request, s3Root);
    expect(d.ProgressReport).toEqual(result.progress);
    expect(d.ProgressReport?.RecordsIngested).toBe(12);
    expect(existsSync(path.join(s3Root, 'test-batch-load-report-west-2', d.TaskId!))).toBe(false);
  });

  it.each([
    ['the fleet example (multi-measure)', FLEET_TASK, undefined],
    ['the sensors example (mixed, two files, NullValue)', SENSORS_TASK, undefined],
    ['the fleet example with bad rows', FLEET_TASK, 'fleet-with-errors'],
  ])('stores exactly the records the dry run predicts for %s (one engine)', async (_name, base, bucket) => {
    const table = await newTable();
    const request = withTarget(base, 'BatchLoadExampleDatabase', table, bucket);
    const d = await load(request);
    const { result, records } = await dryRunOf(request, s3Root);
    expect(records.length).toBeGreaterThan(0);
    expect(await stored(t, 'BatchLoadExampleDatabase', table)).toEqual(records);
    expect(d.TaskStatus).toBe(result.status);
    expect(d.ProgressReport).toEqual(result.progress);
  });

  it('runs a task with bad rows to FAILED and writes its error report under the report bucket (R-REP-2)', async () => {
    const table = await newTable();
    const request = withTarget(FLEET_TASK, 'BatchLoadExampleDatabase', table, 'fleet-with-errors');
    const d = await load(request);
    expect(d.TaskStatus).toBe('FAILED');
    const { result } = await dryRunOf(request, s3Root);
    expect(d.ProgressReport).toEqual(result.progress);
    expect(d.ProgressReport?.ParseFailures).toBeGreaterThan(0);
    const file = path.join(s3Root, 'test-batch-load-report-west-2', d.TaskId!, 'error-report.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ ...result.errorReport, taskId: d.TaskId });
  });

  it('writes the report under the report prefix (sensors example, batch-load/)', async () => {
    await t.client.send(new CreateDatabaseCommand({ DatabaseName: 'plant_telemetry' }));
    await t.client.send(
      new CreateTableCommand({
        DatabaseName: 'plant_telemetry',
        TableName: 'sensor_readings',
        ...FLEET_TABLE,
      }),
    );
    const d = await load(SENSORS_TASK);
    const { result } = await dryRunOf(SENSORS_TASK, s3Root);
    expect(d.TaskStatus).toBe(result.status);
    const file = path.join(s3Root, 'sensor-archive-reports', 'batch-load', d.TaskId!, 'error-report.json');
    expect(existsSync(file)).toBe(result.errorReport !== null);
  });

  it('counts a row whose point was written earlier with other values as an ingestion failure (R-DUP-1 across writes)', async () => {
    const table = await newTable();
    await t.client.send(
      new WriteRecordsCommand({
        DatabaseName: 'BatchLoadExampleDatabase',
        TableName: table,
        Records: [
          {
            Dimensions: [
              { Name: 'vehicle', Value: 'Truck-1' },
              { Name: 'license', Value: 'TX-1A2B3C' },
            ],
            MeasureName: 'mva_measure_name',
            MeasureValueType: 'MULTI',
            MeasureValues: [{ Name: 'weight', Value: '1', Type: 'DOUBLE' }],
            Time: '1714521600',
            TimeUnit: 'SECONDS',
          },
        ],
      }),
    );
    const d = await load(withTarget(FLEET_TASK, 'BatchLoadExampleDatabase', table));
    expect(d.TaskStatus).toBe('FAILED');
    expect(d.ProgressReport).toMatchObject({
      RecordsProcessed: 12,
      RecordsIngested: 11,
      RecordIngestionFailures: 1,
    });
    const report = JSON.parse(
      readFileSync(
        path.join(s3Root, 'test-batch-load-report-west-2', d.TaskId!, 'error-report.json'),
        'utf8',
      ),
    ) as unknown;
    expect(report).toEqual({
      taskId: d.TaskId,
      taskErrors: [],
      fileErrors: [
        {
          fileName: 'sample.csv',
          errors: [
            {
              reason:
                'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value.',
              lineRanges: [[2, 2]],
            },
          ],
        },
      ],
    });
  });

  it('gives a row whose point the table holds at a higher version the "lower than the existing version" reason (R-DUP-1)', async () => {
    const table = await newTable();
    await t.client.send(
      new WriteRecordsCommand({
        DatabaseName: 'BatchLoadExampleDatabase',
        TableName: table,
        Records: [
          {
            Dimensions: [
              { Name: 'vehicle', Value: 'Truck-1' },
              { Name: 'license', Value: 'TX-1A2B3C' },
            ],
            MeasureName: 'mva_measure_name',
            MeasureValueType: 'MULTI',
            MeasureValues: [{ Name: 'weight', Value: '1', Type: 'DOUBLE' }],
            Time: '1714521600',
            TimeUnit: 'SECONDS',
            Version: 3,
          },
        ],
      }),
    );
    const d = await load(withTarget(FLEET_TASK, 'BatchLoadExampleDatabase', table));
    expect(d.ProgressReport).toMatchObject({ RecordsIngested: 11, RecordIngestionFailures: 1 });
    const report = JSON.parse(
      readFileSync(
        path.join(s3Root, 'test-batch-load-report-west-2', d.TaskId!, 'error-report.json'),
        'utf8',
      ),
    ) as { fileErrors: { errors: { reason: string; lineRanges: number[][] }[] }[] };
    expect(report.fileErrors[0]!.errors).toEqual([
      {
        reason:
          'The record version 1 is lower than the existing version 3. A higher version is required to update the measure value.',
        lineRanges: [[2, 2]],
      },
    ]);
  });

  it('returns the same task for a repeated ClientToken (R-TASK-2)', async () => {
    const table = await newTable();
    const request = {
      ...withTarget(FLEET_TASK, 'BatchLoadExampleDatabase', table),
      ClientToken: 'same-token-1',
    };
    const a = await t.client.send(new CreateBatchLoadTaskCommand(request));
    const b = await t.client.send(new CreateBatchLoadTaskCommand(request));
    expect(b.TaskId).toBe(a.TaskId);
    await waitForTask(t.client, a.TaskId!);
  });

  it('refuses an invalid task with a ValidationException listing the validator issues', async () => {
    const e = await failure(
      t.client.send(
        new CreateBatchLoadTaskCommand({
          ...FLEET_TASK,
          DataModelConfiguration: {
            DataModel: { ...FLEET_TASK.DataModelConfiguration!.DataModel!, TimeUnit: 'HOURS' as 'SECONDS' },
          },
        }),
      ),
    );
    expect(e.name).toBe('ValidationException');
    expect(e.message).toMatch(
      /^1 validation error detected: \/DataModelConfiguration\/DataModel\/TimeUnit: .* \[TASK_BAD_ENUM\]$/,
    );
  });

  it('refuses a source prefix with no files, and a table that does not exist', async () => {
    const noFiles = await failure(
      t.client.send(
        new CreateBatchLoadTaskCommand({
          ...FLEET_TASK,
          DataSourceConfiguration: {
            ...FLEET_TASK.DataSourceConfiguration!,
            DataSourceS3Configuration: { BucketName: 'test-batch-load-west-2', ObjectKeyPrefix: 'missing/' },
          },
        }),
      ),
    );
    expect(noFiles.name).toBe('ValidationException');
    expect(noFiles.message).toMatch(/\[SOURCE_UNRESOLVED\]/);
    const noTable = await failure(
      t.client.send(
        new CreateBatchLoadTaskCommand(withTarget(FLEET_TASK, 'BatchLoadExampleDatabase', 'absent')),
      ),
    );
    expect(noTable.name).toBe('ResourceNotFoundException');
  });

  it('answers ResourceNotFoundException for an unknown TaskId and ValidationException for a malformed one', async () => {
    const unknown = await failure(
      t.client.send(new DescribeBatchLoadTaskCommand({ TaskId: '0123456789ABCDEF0123456789ABCDEF' })),
    );
    expect(unknown.name).toBe('ResourceNotFoundException');
    expect(unknown.message).toBe('The batch load task 0123456789ABCDEF0123456789ABCDEF does not exist.');
    const malformed = await failure(t.client.send(new DescribeBatchLoadTaskCommand({ TaskId: 'bad-id' })));
    expect(malformed.name).toBe('ValidationException');
  });

  it('lists tasks newest first, by status, in pages (R-TASK-2)', async () => {
    const all = await t.client.send(new ListBatchLoadTasksCommand({}));
    const ids = (all.BatchLoadTasks ?? []).map((x) => x.TaskId);
    expect(ids.length).toBeGreaterThanOrEqual(6);
    expect(all.BatchLoadTasks?.[0]).toEqual({
      TaskId: ids[0],
      TaskStatus: expect.stringMatching(/^(SUCCEEDED|FAILED)$/) as string,
      DatabaseName: 'BatchLoadExampleDatabase',
      TableName: expect.any(String) as string,
      CreationTime: NOW,
      LastUpdatedTime: NOW,
    });
    const paged: string[] = [];
    for await (const page of paginateListBatchLoadTasks({ client: t.client, pageSize: 2 }, {})) {
      expect((page.BatchLoadTasks ?? []).length).toBeLessThanOrEqual(2);
      paged.push(...(page.BatchLoadTasks ?? []).map((x) => x.TaskId ?? ''));
    }
    expect(paged).toEqual(ids);
    const failed = await t.client.send(new ListBatchLoadTasksCommand({ TaskStatus: 'FAILED' }));
    expect(failed.BatchLoadTasks?.length).toBeGreaterThan(0);
    expect(failed.BatchLoadTasks?.every((x) => x.TaskStatus === 'FAILED')).toBe(true);
    const big = await failure(t.client.send(new ListBatchLoadTasksCommand({ MaxResults: 101 })));
    expect(big.name).toBe('ValidationException');
    const token = await failure(t.client.send(new ListBatchLoadTasksCommand({ NextToken: 'nope' })));
    expect(token.name).toBe('ValidationException');
  });

  it('answers ServiceQuotaExceededException past 5 active tasks on a table (R-TASK-2)', async () => {
    const table = await newTable();
    const validation = await validateTask(withTarget(FLEET_TASK, 'BatchLoadExampleDatabase', table), {
      location: { s3Root },
    });
    // Five tasks that hold the table (created directly in the store: they never run).
    for (let i = 0; i < 5; i++) await t.server.store.tasks.create({ task: validation.task! });
    const e = await failure(
      t.client.send(
        new CreateBatchLoadTaskCommand(withTarget(FLEET_TASK, 'BatchLoadExampleDatabase', table)),
      ),
    );
    expect(e.name).toBe('ServiceQuotaExceededException');
    expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400); // the API reference's status (R-LOCAL-1)
    for (const task of (await t.server.store.tasks.list({ status: 'CREATED' })).tasks) {
      await t.server.store.tasks.update(task.description.TaskId, { status: 'FAILED' });
    }
  });

  it('refuses to resume a task that is not PROGRESS_STOPPED', async () => {
    const listed = await t.client.send(
      new ListBatchLoadTasksCommand({ TaskStatus: 'SUCCEEDED', MaxResults: 1 }),
    );
    const e = await failure(
      t.client.send(new ResumeBatchLoadTaskCommand({ TaskId: listed.BatchLoadTasks![0]!.TaskId! })),
    );
    expect(e.name).toBe('ValidationException');
    expect(e.message).toMatch(/is SUCCEEDED; only a task in PROGRESS_STOPPED can be resumed\.$/);
  });

  it('refuses CreateBatchLoadTask on an endpoint without --s3-root', async () => {
    const bare = await startTestServer();
    try {
      const e = await failure(bare.client.send(new CreateBatchLoadTaskCommand(FLEET_TASK)));
      expect(e.name).toBe('ValidationException');
      expect(e.message).toMatch(/without --s3-root/);
    } finally {
      await bare.close();
    }
  });
});

describe('batch-load tasks across restarts (R-TASK-1, R-LOCAL-3)', () => {
  it('stops a task that was running when the server went away, and resumes it to SUCCEEDED without writing twice', async () => {
    const dataDir = tempDir();
    const root = scratchS3();
    const request = withTarget(FLEET_TASK, 'BatchLoadExampleDatabase', 'resumed');
    const validation = await validateTask(request, { location: { s3Root: root } });
    // A store as a crash leaves it: the table holds the first rows, the task is IN_PROGRESS.
    const store = await LocalStore.open({ dataDir, clock, sync: false });
    await store.createDatabase({ DatabaseName: 'BatchLoadExampleDatabase' });
    await store.createTable({
      DatabaseName: 'BatchLoadExampleDatabase',
      TableName: 'resumed',
      ...FLEET_TABLE,
    });
    const { records } = await dryRunOf(request, root);
    const writer = store.writer('BatchLoadExampleDatabase', 'resumed', { operation: 'BatchLoad' });
    for (const r of records.slice(0, 5)) writer.apply({ ...r, Version: BigInt(r.Version) });
    await writer.commit();
    const { task } = await store.tasks.create({ task: validation.task!, state: { task: validation.task! } });
    const taskId = task.description.TaskId;
    await store.tasks.update(taskId, { status: 'IN_PROGRESS' });
    await store.close();

    const server = await startTestServer({ dataDir, s3Root: root, clock });
    try {
      const stopped = await server.client.send(new DescribeBatchLoadTaskCommand({ TaskId: taskId }));
      expect(stopped.BatchLoadTaskDescription).toMatchObject({
        TaskStatus: 'PROGRESS_STOPPED',
        ResumableUntil: new Date('2024-05-08T01:00:00.000Z'),
        ErrorMessage: 'The local endpoint stopped while the task was running; resume it to continue.',
      });
      await server.client.send(new ResumeBatchLoadTaskCommand({ TaskId: taskId }));
      const d = await waitForTask(server.client, taskId);
      expect(d.TaskStatus).toBe('SUCCEEDED');
      expect(d.ProgressReport?.RecordsIngested).toBe(12);
      expect(await stored(server, 'BatchLoadExampleDatabase', 'resumed')).toEqual(records);
    } finally {
      await server.close();
    }
  });

  it('stops a running task when the server closes (PROGRESS_STOPPED) and resumes it after a restart', async () => {
    const dataDir = tempDir();
    const root = tempDir('tsbatch-s3-');
    const rows = 10_000;
    const lines = ['timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles'];
    for (let i = 0; i < rows; i++)
      lines.push(`${1714521600 - i},V-${i % 40},R-${i % 40},${i}.5,1.5,2.5,${i}`);
    mkdirSync(path.join(root, 'big-bucket'));
    writeFileSync(path.join(root, 'big-bucket', 'big.csv'), `${lines.join('\n')}\n`);
    const request = withTarget(FLEET_TASK, 'BatchLoadExampleDatabase', 'big', 'big-bucket');
    request.DataSourceConfiguration!.DataSourceS3Configuration!.ObjectKeyPrefix = 'big.csv';

    const first = await startTestServer({ dataDir, s3Root: root, clock });
    await first.client.send(new CreateDatabaseCommand({ DatabaseName: 'BatchLoadExampleDatabase' }));
    await first.client.send(
      new CreateTableCommand({ DatabaseName: 'BatchLoadExampleDatabase', TableName: 'big', ...FLEET_TABLE }),
    );
    const { TaskId } = await first.client.send(new CreateBatchLoadTaskCommand(request));
    await first.close();

    const second = await startTestServer({ dataDir, s3Root: root, clock });
    try {
      const stopped = await second.client.send(new DescribeBatchLoadTaskCommand({ TaskId: TaskId! }));
      expect(stopped.BatchLoadTaskDescription?.TaskStatus).toBe('PROGRESS_STOPPED');
      await second.client.send(new ResumeBatchLoadTaskCommand({ TaskId: TaskId! }));
      const d = await waitForTask(second.client, TaskId!);
      expect(d.TaskStatus).toBe('SUCCEEDED');
      expect(d.ProgressReport).toMatchObject({ RecordsProcessed: rows, RecordsIngested: rows });
      let count = 0;
      for await (const _ of second.server.store.records('BatchLoadExampleDatabase', 'big')) count++;
      expect(count).toBe(rows);
    } finally {
      await second.close();
    }
  });

  it('runs a task still CREATED when the server starts', async () => {
    const dataDir = tempDir();
    const root = scratchS3();
    const request = withTarget(FLEET_TASK, 'BatchLoadExampleDatabase', 'queued');
    const validation = await validateTask(request, { location: { s3Root: root } });
    const store = await LocalStore.open({ dataDir, clock, sync: false });
    await store.createDatabase({ DatabaseName: 'BatchLoadExampleDatabase' });
    await store.createTable({
      DatabaseName: 'BatchLoadExampleDatabase',
      TableName: 'queued',
      ...FLEET_TABLE,
    });
    const { task } = await store.tasks.create({ task: validation.task!, state: { task: validation.task! } });
    await store.close();
    const server = await startTestServer({ dataDir, s3Root: root, clock });
    try {
      const d = await waitForTask(server.client, task.description.TaskId);
      expect(d.TaskStatus).toBe('SUCCEEDED');
    } finally {
      await server.close();
    }
  });
});
