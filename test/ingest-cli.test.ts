import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '@tsbatch/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHILD_ENV,
  dryRunRecords,
  endpoint,
  sorted,
  storedRecords,
  tempDir,
  tsbatch,
  writeBucket,
} from './ingest-helpers.js';

type Endpoint = Awaited<ReturnType<typeof endpoint>>;
const FLEET_DB = ['BatchLoadExampleDatabase', 'BatchLoadExampleTable'] as const;
const saved = { ...process.env };
const open: Endpoint[] = [];

beforeAll(() => {
  // The in-process CLI signs with the SDK's default chain: the environment, as in the AWS CLI.
  Object.assign(process.env, CHILD_ENV);
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  process.env = saved;
});

async function fresh(options: Parameters<typeof endpoint>[0] = {}): Promise<Endpoint> {
  const srv = await endpoint(options);
  open.push(srv);
  return srv;
}

describe('tsbatch ingest', () => {
  it('stores exactly the records of `dry-run --records` and reports the same failures, lines and counts (R-ING-1, R-REP-2)', async () => {
    const srv = await fresh();
    const out = tempDir('tsbatch-e2e-');
    const task = ['examples/fleet/task.json', '--s3-root', 'examples/fleet/s3-with-errors'];
    const dry = await tsbatch([
      'dry-run',
      ...task,
      '--records',
      path.join(out, 'records.jsonl'),
      '--report-dir',
      path.join(out, 'dry'),
      '--json',
    ]);
    const run = await tsbatch([
      'ingest',
      ...task,
      '--endpoint-url',
      srv.url,
      '--create-table',
      '--magnetic-writes',
      '--store',
      path.join(out, 'store'),
      '--report-dir',
      path.join(out, 'ingest'),
      '--json',
      '--threads',
      '2',
    ]);
    expect(run.exit).toBe(1);
    expect(dry.exit).toBe(1);
    type Described = {
      BatchLoadTaskDescription: { TaskStatus: string; ProgressReport: unknown; TaskId: string };
    };
    const ingested = (JSON.parse(run.stdout) as Described).BatchLoadTaskDescription;
    const predicted = (JSON.parse(dry.stdout) as Described).BatchLoadTaskDescription;
    expect(ingested.TaskStatus).toBe('FAILED');
    expect(ingested.ProgressReport).toEqual(predicted.ProgressReport);
    expect(sorted(await storedRecords(srv, ...FLEET_DB))).toEqual(
      sorted(dryRunRecords(path.join(out, 'records.jsonl'))),
    );

    const report = (dir: string): { taskId: string; fileErrors: unknown } =>
      JSON.parse(readFileSync(path.join(out, dir, 'error-report.json'), 'utf8')) as {
        taskId: string;
        fileErrors: unknown;
      };
    expect(report('ingest').taskId).toBe(ingested.TaskId);
    expect(report('ingest').fileErrors).toEqual(report('dry').fileErrors);
    expect(readFileSync(path.join(out, 'ingest', 'rejects.jsonl'), 'utf8')).toBe(
      readFileSync(path.join(out, 'dry', 'rejects.jsonl'), 'utf8'),
    );
    expect(run.stderr).toMatch(/Created table BatchLoadExampleDatabase\.BatchLoadExampleTable/);

    // The task stays in the store, finished, as DescribeBatchLoadTask shows it (R-TASK-2).
    const described = await tsbatch([
      'tasks',
      'describe',
      ingested.TaskId,
      '--store',
      path.join(out, 'store'),
    ]);
    expect(described.exit).toBe(0);
    expect((JSON.parse(described.stdout) as Described).BatchLoadTaskDescription).toEqual(ingested);
  });

  it('prints a summary of what was written, with the failures and their lines', async () => {
    const srv = await fresh();
    const store = tempDir('tsbatch-e2e-store-');
    await tsbatch([
      'ingest',
      'examples/fleet/task.json',
      '--s3-root',
      'examples/fleet/s3',
      '--endpoint-url',
      srv.url,
      '--create-table',
      '--magnetic-writes',
      '--store',
      store,
    ]);
    const run = await tsbatch([
      'ingest',
      'examples/fleet/task.json',
      '--s3-root',
      'examples/fleet/s3-with-errors',
      '--endpoint-url',
      srv.url,
      '--store',
      store,
    ]);
    expect(run.exit).toBe(1);
    expect(run.stdout).toMatch(/^Ingest FAILED \(TaskId [0-9A-F]{32}\)\n/);
    expect(run.stdout).toMatch(/rows +14 processed: 9 ingested, 4 parse failures, 1 ingestion failures/);
    expect(run.stdout).toMatch(/lines {2}sample\.csv: 4-5/);
  });

  it('writes every row despite 30% throttling, 5% 500s and 5% dropped connections, resuming if the retry bound stops it (R-ING-2)', async () => {
    const srv = await fresh({ faults: { throttle: 0.3, error: 0.05, drop: 0.05, seed: 7 } });
    const root = tempDir('tsbatch-e2e-s3-');
    const rows = ['timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles'];
    for (let i = 0; i < 4_000; i++)
      rows.push(`${1714521600 + i},Truck-${i % 60},TX-${i % 9},${i}.25,${i % 80},3.${i % 10},${i}`);
    writeBucket(root, 'test-batch-load-west-2', { 'sample.csv': `${rows.join('\n')}\n` });
    const out = tempDir('tsbatch-e2e-');
    const store = path.join(out, 'store');
    await tsbatch([
      'dry-run',
      'examples/fleet/task.json',
      '--s3-root',
      root,
      '--records',
      path.join(out, 'records.jsonl'),
    ]);
    let run = await tsbatch([
      'ingest',
      'examples/fleet/task.json',
      '--s3-root',
      root,
      '--endpoint-url',
      srv.url,
      '--create-table',
      '--magnetic-writes',
      '--store',
      store,
      '--json',
    ]);
    // R-ING-2: at the bound the task stops, resumable; resuming finishes it.
    for (let round = 0; run.exit === 75 && round < 5; round++) {
      const id = /TaskId ([0-9A-F]{32})/.exec(run.stdout)?.[1] ?? '';
      run = await tsbatch(['tasks', 'resume', id, '--store', store, '--json']);
    }
    expect(run.exit).toBe(0);
    const description = (JSON.parse(run.stdout) as { BatchLoadTaskDescription: { ProgressReport: unknown } })
      .BatchLoadTaskDescription;
    expect(description.ProgressReport).toMatchObject({ RecordsProcessed: 4_000, RecordsIngested: 4_000 });
    expect(sorted(await storedRecords(srv, ...FLEET_DB))).toEqual(
      sorted(dryRunRecords(path.join(out, 'records.jsonl'))),
    );
    expect(run.stderr).toMatch(/WriteRecords: [\d,]+ calls, [1-9][\d,]* retries/);
  });

  it('exits 1 and creates no task when the table does not exist and --create-table is not given', async () => {
    const srv = await fresh();
    const store = tempDir('tsbatch-e2e-store-');
    const run = await tsbatch([
      'ingest',
      'examples/fleet/task.json',
      '--s3-root',
      'examples/fleet/s3',
      '--endpoint-url',
      srv.url,
      '--store',
      store,
    ]);
    expect(run.exit).toBe(1);
    expect(run.stderr).toMatch(
      /BatchLoadExampleDatabase\.BatchLoadExampleTable does not exist \(create it, or pass --create-table\)/,
    );
    const list = await tsbatch(['tasks', 'list', '--store', store]);
    expect(JSON.parse(list.stdout)).toEqual({ BatchLoadTasks: [] });
  });

  it('exits 2 on usage errors, naming the flag', async () => {
    expect((await tsbatch(['ingest', 'examples/fleet/task.json', '--threads', '0'])).stderr).toMatch(
      /--threads must be/,
    );
    const both = await tsbatch([
      'ingest',
      'examples/fleet/task.json',
      '--s3-root',
      'x',
      '--memory-retention-hours',
      '2',
    ]);
    expect(both).toMatchObject({
      exit: 2,
      stderr: expect.stringMatching(/retention flags are for --create-table/) as unknown,
    });
    expect(
      (await tsbatch(['ingest', 'examples/broken/typos.json', '--s3-root', 'examples/fleet/s3'])).exit,
    ).toBe(2);
  });
});

describe('tsbatch tasks', () => {
  it('create runs a task into the embedded local store by default; describe and list show it (R-TASK-1..3)', async () => {
    const out = tempDir('tsbatch-e2e-');
    const dataDir = path.join(out, 'local');
    const store = path.join(out, 'store');
    const created = await tsbatch([
      'tasks',
      'create',
      'examples/sensors/task.json',
      '--s3-root',
      'examples/sensors/s3',
      '--data-dir',
      dataDir,
      '--create-table',
      '--magnetic-writes',
      '--store',
      store,
    ]);
    expect(created.exit).toBe(0);
    const { TaskId } = JSON.parse(created.stdout) as { TaskId: string };
    expect(TaskId).toMatch(/^[0-9A-F]{32}$/);

    const described = JSON.parse((await tsbatch(['tasks', 'describe', TaskId, '--store', store])).stdout) as {
      BatchLoadTaskDescription: { TaskStatus: string; ProgressReport: { RecordsIngested: number } };
    };
    const records = path.join(out, 'records.jsonl');
    const dry = JSON.parse(
      (
        await tsbatch([
          'dry-run',
          'examples/sensors/task.json',
          '--s3-root',
          'examples/sensors/s3',
          '--json',
          '--records',
          records,
        ])
      ).stdout,
    ) as typeof described;
    expect(described.BatchLoadTaskDescription.TaskStatus).toBe('SUCCEEDED');
    expect(described.BatchLoadTaskDescription.ProgressReport).toEqual(
      dry.BatchLoadTaskDescription.ProgressReport,
    );

    const listed = JSON.parse(
      (await tsbatch(['tasks', 'list', '--status', 'SUCCEEDED', '--store', store])).stdout,
    ) as {
      BatchLoadTasks: { TaskId: string; TaskStatus: string; DatabaseName: string; TableName: string }[];
    };
    expect(listed.BatchLoadTasks).toEqual([
      expect.objectContaining({
        TaskId,
        TaskStatus: 'SUCCEEDED',
        DatabaseName: 'plant_telemetry',
        TableName: 'sensor_readings',
      }),
    ]);
    expect(
      JSON.parse((await tsbatch(['tasks', 'list', '--status', 'FAILED', '--store', store])).stdout),
    ).toEqual({
      BatchLoadTasks: [],
    });

    // The records are in the store `tsbatch serve --data-dir` serves.
    const served = await startServer({ dataDir, port: 0 });
    try {
      const stored = await storedRecords(served, 'plant_telemetry', 'sensor_readings');
      expect(sorted(stored)).toEqual(sorted(dryRunRecords(records)));
    } finally {
      await served.close();
    }
  });

  it('pages the list with --max-results and --next-token (R-TASK-2)', async () => {
    const srv = await fresh();
    const store = tempDir('tsbatch-e2e-store-');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const run = await tsbatch([
        'tasks',
        'create',
        'examples/fleet/task.json',
        '--s3-root',
        'examples/fleet/s3',
        '--endpoint-url',
        srv.url,
        '--create-table',
        '--magnetic-writes',
        '--store',
        store,
      ]);
      ids.push((JSON.parse(run.stdout) as { TaskId: string }).TaskId);
    }
    const first = JSON.parse(
      (await tsbatch(['tasks', 'list', '--max-results', '2', '--store', store])).stdout,
    ) as {
      BatchLoadTasks: { TaskId: string }[];
      NextToken: string;
    };
    const second = JSON.parse(
      (
        await tsbatch([
          'tasks',
          'list',
          '--max-results',
          '2',
          '--next-token',
          first.NextToken,
          '--store',
          store,
        ])
      ).stdout,
    ) as { BatchLoadTasks: { TaskId: string }[]; NextToken?: string };
    expect(first.BatchLoadTasks).toHaveLength(2);
    expect(second.BatchLoadTasks).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
    expect([...first.BatchLoadTasks, ...second.BatchLoadTasks].map((t) => t.TaskId).sort()).toEqual(
      [...ids].sort(),
    );
  });

  it('exits 2 for a subcommand or flag that does not exist, and 1 for an unknown task', async () => {
    expect(await tsbatch(['tasks', 'frob'])).toMatchObject({
      exit: 2,
      stderr: expect.stringMatching(/unknown subcommand 'frob'/) as unknown,
    });
    // Issue 18: each subcommand has its own option table, so create's flags are unknown to list.
    expect(await tsbatch(['tasks', 'list', '--create-table'])).toMatchObject({
      exit: 2,
      stderr: expect.stringMatching(/tsbatch tasks list: unknown option '--create-table'/) as unknown,
    });
    expect((await tsbatch(['tasks', 'describe'])).exit).toBe(2);
    const store = tempDir('tsbatch-e2e-store-');
    expect(await tsbatch(['tasks', 'describe', 'ABCDEF', '--store', store])).toMatchObject({ exit: 1 });
    expect(await tsbatch(['tasks', 'resume', 'ABCDEF', '--store', store])).toMatchObject({ exit: 1 });
  });
});
