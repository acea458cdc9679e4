import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTask, validateTask } from '../src/index.js';
import { fleetModel, fleetTask, MODEL, type Loose } from './fleet-task.js';
import { summary } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('fixtures/', import.meta.url));
const S3_ROOT = path.join(FIXTURES, 's3');
const SOURCE = '/DataSourceConfiguration/DataSourceS3Configuration';
const S3_MODEL = '/DataModelConfiguration/DataModelS3Configuration';
const ATTRS = `${MODEL}/MultiMeasureMappings/MultiMeasureAttributeMappings`;

const fixture = (name: string): { source: string } => ({ source: path.join(FIXTURES, name) });

function s3ModelTask(key: string): Record<string, Loose> {
  const task = fleetTask();
  task.DataModelConfiguration = {
    DataModelS3Configuration: { BucketName: 'my-model-bucket', ObjectKey: key },
  };
  return task;
}

describe('mapped columns against the header (R-VAL-8)', () => {
  it('accepts the fleet task against its CSV under --s3-root (R-VAL-8)', async () => {
    const result = await validateTask(fleetTask(), { location: { s3Root: S3_ROOT } });
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.task?.source).toEqual({ bucket: 'my-data-bucket', prefix: 'fleet/vehicles.csv' });
  });

  it('reports a mapped column missing from the header at its mapping, with the header and a suggestion (R-VAL-8)', async () => {
    const result = await validateTask(fleetTask(), { location: fixture('typo-header.csv') });
    expect(summary(result.issues)).toEqual([
      `error HEADER_MISSING_COLUMN ${ATTRS}/1/SourceColumn`,
      `warning HEADER_UNMAPPED_COLUMNS ${MODEL}`,
    ]);
    expect(result.issues[0]!.message).toBe(
      'attribute source column "spd" is not in the header of fleet/vehicles.csv ("vehicle", "registration", ' +
        '"timestamp", "wgt", "speed", "fuel_consumption", "miles", "driver"); did you mean "speed"?',
    );
    expect(result.issues[1]!.message).toBe(
      'columns of fleet/vehicles.csv not mapped (ignored by the load): "speed", "driver"',
    );
    expect(result.task).toBeUndefined();
  });

  it('checks TimeColumn and MeasureNameColumn too (R-VAL-8)', async () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.TimeColumn = 'time';
    task.DataModelConfiguration.DataModel.MeasureNameColumn = 'measure';
    const result = await validateTask(task, { location: { s3Root: S3_ROOT } });
    expect(summary(result.issues)).toEqual([
      `error HEADER_MISSING_COLUMN ${MODEL}/MeasureNameColumn`,
      `error HEADER_MISSING_COLUMN ${MODEL}/TimeColumn`,
      `warning HEADER_UNMAPPED_COLUMNS ${MODEL}`,
      `warning MODEL_MEASURE_NAME_REDUNDANT ${MODEL}/MultiMeasureMappings/TargetMultiMeasureName`,
    ]);
    expect(result.issues[1]!.message).toMatch(/^time column "time" is not in the header/);
  });

  it('reads the header with the task CSV options (R-VAL-7, R-VAL-8)', async () => {
    const task = fleetTask();
    task.DataSourceConfiguration.CsvConfiguration.ColumnSeparator = ';';
    const semicolons = await validateTask(task, { location: fixture('semicolons.csv') });
    expect(semicolons.issues).toEqual([]);
    const commas = await validateTask(fleetTask(), { location: fixture('semicolons.csv') });
    expect(commas.issues.filter((i) => i.code === 'HEADER_MISSING_COLUMN')).toHaveLength(7);
  });

  it('skips the header check when the CSV options are unusable (R-VAL-7, R-VAL-8)', async () => {
    const task = fleetTask();
    task.DataSourceConfiguration.CsvConfiguration.ColumnSeparator = ':';
    const result = await validateTask(task, { location: fixture('semicolons.csv') });
    expect(summary(result.issues)).toEqual([
      'error CSV_OPTION_SEPARATOR /DataSourceConfiguration/CsvConfiguration/ColumnSeparator',
    ]);
  });

  // Issue 18 (one verdict for validate and dry run): such a file was a warning (HEADER_FILE_SKIPPED) while the dry
  // run failed it; it is now an error naming the file, and the task stays runnable so the run reports it too.
  it('fails a file whose header cannot be read, names it, and checks the columns against the next (R-VAL-8, R-CSV-2)', async () => {
    const result = await validateTask(fleetTask(), { location: fixture('bom-then-good') });
    expect(summary(result.issues)).toEqual([`error SOURCE_FILE_FAILS ${SOURCE}`]);
    expect(result.issues[0]!.message).toMatch(
      /^fleet\/vehicles\.csv\/a-bom\.csv: .*byte-order mark.*; a batch load fails this file as a whole and loads none of its rows \(FILE_BOM\)$/,
    );
    expect(result.issues[0]!.file).toBe('fleet/vehicles.csv/a-bom.csv');
    expect(result.ok).toBe(false);
    expect(result.task).toBeDefined();
    expect(result.source?.files.map((f) => f.key)).toEqual([
      'fleet/vehicles.csv/a-bom.csv',
      'fleet/vehicles.csv/b-good.csv',
    ]);
  });

  it('fails every file without a readable header, and warns that no column was checked (R-VAL-8, R-CSV-3)', async () => {
    const result = await validateTask(fleetTask(), { location: fixture('no-readable-header') });
    expect(summary(result.issues)).toEqual([
      `error SOURCE_FILE_FAILS ${SOURCE}`,
      `error SOURCE_FILE_FAILS ${SOURCE}`,
      `warning HEADER_UNAVAILABLE ${SOURCE}`,
    ]);
    expect(result.issues.map((i) => /\((FILE_[A-Z_]+)\)$/.exec(i.message)?.[1])).toEqual([
      'FILE_EMPTY',
      'FILE_BOM',
      undefined,
    ]);
  });

  it('reads the header of every file: a later file without a mapped column fails (R-VAL-8, R-COUNT-2)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tsbatch-headers-'));
    try {
      const good = readFileSync(path.join(S3_ROOT, 'my-data-bucket/fleet/vehicles.csv'), 'utf8');
      await writeFile(path.join(dir, 'a.csv'), good);
      await writeFile(path.join(dir, 'b.csv'), good.replace('miles', 'mileage'));
      await writeFile(path.join(dir, 'c.csv'), good);
      const result = await validateTask(fleetTask(), { location: { source: dir } });
      expect(summary(result.issues)).toEqual([`error SOURCE_FILE_FAILS ${SOURCE}`]);
      expect(result.issues[0]!.message).toBe(
        'fleet/vehicles.csv/b.csv: the header has no mapped column "miles"; a batch load fails this file as a whole and loads none of its rows (FILE_MISSING_COLUMN)',
      );
      expect(result.task).toBeDefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads the header in the given encoding (R-CSV-2, R-VAL-8)', async () => {
    const model = {
      TimeColumn: 'time',
      DimensionMappings: [{ SourceColumn: 'véhicule' }],
      MultiMeasureMappings: {
        TargetMultiMeasureName: 'm',
        MultiMeasureAttributeMappings: [{ SourceColumn: 'speed', MeasureValueType: 'DOUBLE' }],
      },
    };
    const utf8 = await validateTask(model, { location: fixture('latin1.csv') });
    expect(summary(utf8.issues)).toEqual(['error SOURCE_FILE_FAILS ', 'warning HEADER_UNAVAILABLE ']);
    const latin1 = await validateTask(model, { location: fixture('latin1.csv'), encoding: 'latin1' });
    expect(latin1.issues).toEqual([]);
  });

  it('checks a bare DataModel against the header, at pointers into the model file (R-IN-2, R-VAL-8)', async () => {
    const model = fleetModel();
    model.DimensionMappings[0].SourceColumn = 'vehicles';
    const result = await validateTask(model, { location: fixture('typo-header.csv') });
    expect(summary(result.issues)).toEqual([
      'error HEADER_MISSING_COLUMN /DimensionMappings/0/SourceColumn',
      'error HEADER_MISSING_COLUMN /MultiMeasureMappings/MultiMeasureAttributeMappings/1/SourceColumn',
      'warning HEADER_UNMAPPED_COLUMNS ',
    ]);
    expect(result.issues[0]!.message).toContain('did you mean "vehicle"?');
  });

  it('reports a source that cannot be resolved at DataSourceS3Configuration (R-IN-3)', async () => {
    const task = fleetTask();
    task.DataSourceConfiguration.DataSourceS3Configuration.ObjectKeyPrefix = 'nothing/here';
    const result = await validateTask(task, { location: { s3Root: S3_ROOT } });
    expect(summary(result.issues)).toEqual([`error SOURCE_UNRESOLVED ${SOURCE}`]);
    expect(result.issues[0]!.message).toContain('nothing/here');
  });

  it('reads no file without a location (R-VAL-8)', async () => {
    const result = await validateTask(fleetTask());
    expect(result.issues).toEqual([]);
  });
});

describe('a data model in S3 (R-VAL-2, R-IN-3)', () => {
  it('reads the model from --s3-root and echoes it inline (R-VAL-2)', async () => {
    const result = await validateTask(s3ModelTask('models/fleet-model.json'), {
      location: { s3Root: S3_ROOT },
    });
    expect(result.issues).toEqual([]);
    expect(result.task?.request.DataModelConfiguration).toEqual({
      DataModel: checkTask(fleetTask()).task?.request.DataModelConfiguration?.DataModel,
    });
    expect(result.task?.model).toEqual(checkTask(fleetTask()).task?.model);
  });

  it('reports issues inside the S3 model under DataModelS3Configuration, naming the object (R-VAL-2)', async () => {
    const result = await validateTask(s3ModelTask('models/typo-model.json'), {
      location: { s3Root: S3_ROOT },
    });
    expect(summary(result.issues)).toEqual([
      `error HEADER_MISSING_COLUMN ${S3_MODEL}/MultiMeasureMappings/MultiMeasureAttributeMappings/0/SourceColumn`,
      `error TASK_UNKNOWN_MEMBER ${S3_MODEL}/Timecolumn`,
      `warning HEADER_UNMAPPED_COLUMNS ${S3_MODEL}`,
    ]);
    expect(result.issues[1]!.message).toBe(
      'unknown member "Timecolumn"; did you mean TimeColumn? (in s3://my-model-bucket/models/typo-model.json)',
    );
  });

  it('gives the line and column of a broken S3 model (R-VAL-2, R-IN-5)', async () => {
    const result = await validateTask(s3ModelTask('models/broken-model.json'), {
      location: { s3Root: S3_ROOT },
    });
    expect(summary(result.issues)).toEqual([`error MODEL_S3_UNREADABLE ${S3_MODEL}`]);
    expect(result.issues[0]!.message).toMatch(
      /broken-model\.json:3:25\) is not valid JSON: unexpected ',', expected a value$/,
    );
  });

  it('reports an S3 model that is not there (R-VAL-2)', async () => {
    const result = await validateTask(s3ModelTask('models/missing.json'), { location: { s3Root: S3_ROOT } });
    expect(summary(result.issues)).toEqual([`error MODEL_S3_UNRESOLVED ${S3_MODEL}`]);
  });

  it('asks for --s3-root when only --source is given (R-VAL-2)', async () => {
    const result = await validateTask(s3ModelTask('models/fleet-model.json'), {
      location: fixture('typo-header.csv'),
    });
    expect(summary(result.issues)).toContain(`error MODEL_S3_NEEDS_LOCATION ${S3_MODEL}`);
  });
});

describe('source limits (R-VAL-9)', () => {
  let dir: string;
  const header = 'vehicle,registration,timestamp,wgt,spd,fuel_consumption,miles\n';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tsbatch-validator-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function folder(name: string, files: Record<string, number | string>): Promise<string> {
    const at = path.join(dir, name);
    await mkdir(at, { recursive: true });
    for (const [file, content] of Object.entries(files)) {
      const full = path.join(at, file);
      // Sparse files after a header (every file's header is read, issue 18): stat sees the size, the disk holds
      // nothing more.
      await writeFile(full, header);
      if (typeof content === 'number') await truncate(full, content);
    }
    return at;
  }

  it('accepts 100 files and refuses 101 (R-VAL-9)', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 100; i++) files[`part-${String(i).padStart(3, '0')}.csv`] = header;
    const hundred = await folder('hundred', files);
    expect((await validateTask(fleetTask(), { location: { source: hundred } })).issues).toEqual([]);
    files['part-100.csv'] = header;
    const more = await folder('hundred-and-one', files);
    const result = await validateTask(fleetTask(), { location: { source: more } });
    expect(summary(result.issues)).toEqual([`error SOURCE_TOO_MANY_FILES ${SOURCE}`]);
    expect(result.issues[0]!.message).toBe('the prefix holds 101 files; a batch load task reads at most 100');
  });

  it('refuses a file over 5 GB (R-VAL-9)', async () => {
    const GIB = 1024 ** 3;
    const at = await folder('big-file', { 'a.csv': header, 'b.csv': 5 * GIB, 'c.csv': 5 * GIB + 1 });
    const result = await validateTask(fleetTask(), { location: { source: at } });
    expect(summary(result.issues)).toEqual([`error SOURCE_FILE_TOO_LARGE ${SOURCE}`]);
    expect(result.issues[0]!.message).toBe('a file is over 5.00 GiB: fleet/vehicles.csv/c.csv (5.00 GiB)');
  });

  it('refuses a prefix over 100 GB (R-VAL-9)', async () => {
    const GIB = 1024 ** 3;
    const files: Record<string, number | string> = { 'a.csv': header };
    for (let i = 0; i < 20; i++) files[`b-${String(i).padStart(2, '0')}.csv`] = 5 * GIB;
    const at = await folder('big-prefix', files);
    const result = await validateTask(fleetTask(), { location: { source: at } });
    expect(summary(result.issues)).toEqual([`error SOURCE_TOO_LARGE ${SOURCE}`]);
  });
});

describe('one mistake, one issue (R-VAL-1, R-IN-3)', () => {
  it('does not look for a source whose bucket the schema refused (R-VAL-1)', async () => {
    const task = fleetTask();
    task.DataSourceConfiguration.DataSourceS3Configuration.BucketName = 'My_Bucket';
    const result = await validateTask(task, { location: { s3Root: S3_ROOT } });
    expect(summary(result.issues)).toEqual([`error TASK_BAD_PATTERN ${SOURCE}/BucketName`]);
  });
});

describe('one mistake, one issue for a model in S3 (R-VAL-1, R-VAL-2)', () => {
  it('does not look for an S3 model whose key the schema refused (R-VAL-1)', async () => {
    const result = await validateTask(s3ModelTask('/models/fleet-model.json'), {
      location: { s3Root: S3_ROOT },
    });
    expect(summary(result.issues)).toEqual([`error TASK_BAD_PATTERN ${S3_MODEL}/ObjectKey`]);
  });
});
