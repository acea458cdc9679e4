/**
 * R-IN-2: a bare DataModel file (what DataModelS3Configuration points at) is accepted wherever a task file is.
 * This module tells the two apart and wraps a bare model in a request.
 */
import type { CreateBatchLoadTaskRequest, CsvConfiguration, DataModel } from '@tsbatch/core';
import { didYouMean } from './did-you-mean.js';
import { isObject } from './json.js';
import { DATA_MODEL_MEMBERS, REQUEST_MEMBERS } from './schema.js';

/**
 * [choice] The request synthesized around a bare DataModel (R-IN-2). The names only have to be valid for the
 * API model; the CLI's flags (--source, --table, ...) say where data really comes from.
 */
export const BARE_MODEL_REQUEST = {
  database: 'tsbatch_local',
  table: 'tsbatch_local',
  bucket: 'local',
  /** Empty: the whole bucket, i.e. whatever `--source` points at. */
  prefix: '',
} as const;

export function synthesizeRequest(model: DataModel, csv: CsvConfiguration): CreateBatchLoadTaskRequest {
  return {
    DataModelConfiguration: { DataModel: model },
    DataSourceConfiguration: {
      DataSourceS3Configuration: { BucketName: BARE_MODEL_REQUEST.bucket },
      CsvConfiguration: csv,
      DataFormat: 'CSV',
    },
    ReportConfiguration: {},
    TargetDatabaseName: BARE_MODEL_REQUEST.database,
    TargetTableName: BARE_MODEL_REQUEST.table,
    RecordVersion: 1,
  };
}

/**
 * 'auto' detection: an object is a bare DataModel when none of its keys is (or nearly is) a request member
 * and at least one is (or nearly is) a DataModel member. Anything else is validated as a task.
 */
export function detectKind(json: unknown, kind: 'auto' | 'task' | 'data-model'): 'task' | 'data-model' {
  if (kind !== 'auto') return kind;
  if (!isObject(json)) return 'task';
  const keys = Object.keys(json).slice(0, 1000);
  const near = (members: string[]): boolean =>
    keys.some((key) => members.includes(key) || didYouMean(key, members) !== undefined);
  if (near(REQUEST_MEMBERS)) return 'task';
  return near(DATA_MODEL_MEMBERS) ? 'data-model' : 'task';
}
