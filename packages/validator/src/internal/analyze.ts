/**
 * One validation, without file access: shape (R-VAL-1), model presence (R-VAL-2), the model's rules
 * (R-VAL-3..6), CSV options (R-VAL-7), and what the header checks (R-VAL-8/9) will need.
 */
import type {
  CreateBatchLoadTaskRequest,
  CsvConfiguration,
  ResolvedCsvOptions,
  ResolvedTask,
} from '@tsbatch/core';
import { synthesizeRequest, BARE_MODEL_REQUEST } from './bare-model.js';
import { checkBucketNames } from './check-buckets.js';
import { checkCsv } from './check-csv.js';
import { checkDataModel, type ModelCheck } from './check-data-model.js';
import type { SourceCheck } from './check-source.js';
import { IssueList } from './issues.js';
import { has, isObject, member, objectMember, pointer, stringMember } from './json.js';
import type { LoadedModel } from './load-s3-model.js';
import { echoRequest, resolveTask } from './resolve-task.js';
import { checkShape } from './schema-issues.js';

/** What is known about DataModelS3Configuration's object before the synchronous checks run. */
export type S3ModelInput =
  { state: 'no-location' } | { state: 'not-loaded' } | ({ state: 'loaded' } & LoadedModel);

export interface Analysis {
  issues: IssueList;
  /** The resolved task, when every piece is there (it is handed out only if no error is found). */
  task: ResolvedTask | undefined;
  /** Inputs of R-VAL-8/9, when the source is named well enough to look for it. */
  source: Omit<SourceCheck, 'encoding'> | undefined;
}

const MODEL_CONFIGURATION = '/DataModelConfiguration';
const S3_MODEL = pointer(MODEL_CONFIGURATION, 'DataModelS3Configuration');
const SOURCE = '/DataSourceConfiguration/DataSourceS3Configuration';

/** Bucket and key of a well-formed DataModelS3Configuration, when the task names its model only that way. */
export function s3ModelSpec(json: unknown): { bucket: string; key: string } | undefined {
  if (!isObject(json)) return undefined;
  const configuration = objectMember(json, 'DataModelConfiguration');
  if (configuration === undefined || has(configuration, 'DataModel')) return undefined;
  const s3 = objectMember(configuration, 'DataModelS3Configuration');
  if (s3 === undefined) return undefined;
  // A bucket or key the schema refuses is reported by it; looking for the object would report it twice.
  const shape = new IssueList();
  checkShape('dataModelS3', s3, shape);
  if (shape.hasErrors()) return undefined;
  const bucket = stringMember(s3, 'BucketName');
  const key = stringMember(s3, 'ObjectKey');
  return bucket !== undefined && key !== undefined && bucket !== '' && key !== ''
    ? { bucket, key }
    : undefined;
}

export function analyzeTask(json: unknown, s3: S3ModelInput): Analysis {
  const issues = new IssueList();
  checkShape('request', json, issues);
  if (!isObject(json)) return { issues, task: undefined, source: undefined };
  checkBucketNames(json, issues);

  // R-VAL-2: exactly one of DataModel and DataModelS3Configuration.
  let model: ModelCheck | undefined;
  let modelPath = pointer(MODEL_CONFIGURATION, 'DataModel');
  const configuration = member(json, 'DataModelConfiguration');
  if (!has(json, 'DataModelConfiguration')) {
    issues.missing(
      'MODEL_CONFIGURATION_MISSING',
      MODEL_CONFIGURATION,
      'DataModelConfiguration is required: give the DataModel inline, or DataModelS3Configuration',
    );
  } else if (isObject(configuration)) {
    const inline = has(configuration, 'DataModel');
    const fromS3 = has(configuration, 'DataModelS3Configuration');
    if (!inline && !fromS3) {
      issues.missing(
        'MODEL_CONFIGURATION_MISSING',
        MODEL_CONFIGURATION,
        'give the DataModel inline, or DataModelS3Configuration naming the object that holds it',
        [modelPath, S3_MODEL],
      );
    } else if (inline && fromS3) {
      issues.error(
        'MODEL_CONFIGURATION_AMBIGUOUS',
        S3_MODEL,
        'give either DataModel or DataModelS3Configuration, not both',
      );
    }
    if (inline) model = checkDataModel(member(configuration, 'DataModel'), modelPath, issues);
    else if (fromS3) {
      modelPath = S3_MODEL;
      model = checkS3Model(member(configuration, 'DataModelS3Configuration'), s3, issues);
    }
  }

  // R-VAL-7
  const dataSource = objectMember(json, 'DataSourceConfiguration');
  const csv =
    dataSource === undefined
      ? undefined
      : checkCsv(member(dataSource, 'CsvConfiguration'), '/DataSourceConfiguration/CsvConfiguration', issues);

  const s3Source =
    dataSource === undefined ? undefined : objectMember(dataSource, 'DataSourceS3Configuration');
  const bucket = s3Source === undefined ? undefined : stringMember(s3Source, 'BucketName');
  const prefix =
    s3Source === undefined
      ? undefined
      : has(s3Source, 'ObjectKeyPrefix')
        ? stringMember(s3Source, 'ObjectKeyPrefix')
        : '';
  const source =
    bucket === undefined || prefix === undefined
      ? undefined
      : { sourcePath: SOURCE, modelPath, spec: { bucket, prefix }, csv, columns: model?.columns };

  let task: ResolvedTask | undefined;
  if (
    !issues.hasErrors() &&
    model?.filled !== undefined &&
    model.resolved !== undefined &&
    csv !== undefined
  ) {
    // Every check passed, so the request has exactly the API model's shape.
    const request = echoRequest(json as unknown as CreateBatchLoadTaskRequest, model.filled);
    task = resolveTask(request, model.resolved, csv);
  }
  return { issues, task, source };
}

/** R-VAL-2: a model in S3 is read through the source location, then checked like an inline one. */
function checkS3Model(configuration: unknown, s3: S3ModelInput, issues: IssueList): ModelCheck | undefined {
  if (!isObject(configuration)) return undefined;
  let complete = true;
  for (const key of ['BucketName', 'ObjectKey']) {
    if (has(configuration, key)) continue;
    complete = false;
    issues.missing(
      'MODEL_S3_INCOMPLETE',
      pointer(S3_MODEL, key),
      `${key} is required to find the data model in S3`,
    );
  }
  const where = `s3://${stringMember(configuration, 'BucketName') ?? '?'}/${stringMember(configuration, 'ObjectKey') ?? '?'}`;
  switch (s3.state) {
    case 'no-location':
      if (complete) {
        issues.error(
          'MODEL_S3_NEEDS_LOCATION',
          S3_MODEL,
          `the data model is in S3 (${where}): pass --s3-root DIR so that it is read from DIR/<BucketName>/<ObjectKey> and checked`,
        );
      }
      return undefined;
    case 'not-loaded':
      return undefined;
    case 'loaded': {
      if (!s3.ok) {
        issues.error(s3.code, S3_MODEL, s3.message);
        return undefined;
      }
      // Issues inside the loaded model point into it, under the DataModelS3Configuration that names it.
      const inner = new IssueList();
      checkShape('dataModel', s3.value, inner);
      const model = checkDataModel(s3.value, '', inner);
      issues.absorb(
        inner,
        (path) => S3_MODEL + path,
        (message) => `${message} (in ${where})`,
      );
      return { ...model, columns: model.columns.map((use) => ({ ...use, path: S3_MODEL + use.path })) };
    }
  }
}

/** R-IN-2: a bare DataModel, with its CSV options from the caller (the CLI's flags). */
export function analyzeDataModel(json: unknown, csvOptions: CsvConfiguration | undefined): Analysis {
  const issues = new IssueList();
  checkShape('dataModel', json, issues);
  const model = checkDataModel(json, '', issues);

  // CSV options are not in the file: their issues sit at the root and name the option.
  const csvIssues = new IssueList();
  if (csvOptions !== undefined) checkShape('csv', csvOptions, csvIssues);
  const csv: ResolvedCsvOptions | undefined = checkCsv(csvOptions, '', csvIssues);
  issues.absorb(
    csvIssues,
    () => '',
    (message, path) => `CSV option ${path.slice(1) || 'CsvConfiguration'} ${message}`,
  );

  const source = {
    sourcePath: '',
    modelPath: '',
    spec: { bucket: BARE_MODEL_REQUEST.bucket, prefix: BARE_MODEL_REQUEST.prefix },
    csv,
    columns: model.columns,
  };
  let task: ResolvedTask | undefined;
  if (
    !issues.hasErrors() &&
    model.filled !== undefined &&
    model.resolved !== undefined &&
    csv !== undefined
  ) {
    const request = synthesizeRequest(model.filled, { ...csvOptions });
    task = resolveTask(request, model.resolved, csv);
  }
  return { issues, task, source };
}
