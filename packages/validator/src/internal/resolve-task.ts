/**
 * The ResolvedTask of a valid task: the request echoed with defaults filled (as DescribeBatchLoadTask shows it:
 * inline DataModel, `CsvConfiguration` present, RecordVersion), and the resolved pieces every later stage reads.
 */
import type {
  CreateBatchLoadTaskRequest,
  DataModel,
  ResolvedCsvOptions,
  ResolvedDataModel,
  ResolvedTask,
} from '@tsbatch/core';

/** RecordVersion when the request has none: the WriteRecords default `Version` (API model `Record.Version`). */
export const DEFAULT_RECORD_VERSION = 1;

/** The request echo of a request that passed every check (so every member has its API type). */
export function echoRequest(
  request: CreateBatchLoadTaskRequest,
  model: DataModel,
): CreateBatchLoadTaskRequest {
  const source = request.DataSourceConfiguration;
  const report = request.ReportConfiguration.ReportS3Configuration;
  return {
    ...(request.ClientToken === undefined ? {} : { ClientToken: request.ClientToken }),
    DataModelConfiguration: { DataModel: model },
    DataSourceConfiguration: {
      DataSourceS3Configuration: { ...source.DataSourceS3Configuration },
      // Defaults of R-VAL-7 live in `csv`; the echo keeps what was given, `{}` when nothing was (DG-CLI).
      CsvConfiguration: { ...source.CsvConfiguration },
      DataFormat: source.DataFormat,
    },
    ReportConfiguration: report === undefined ? {} : { ReportS3Configuration: { ...report } },
    TargetDatabaseName: request.TargetDatabaseName,
    TargetTableName: request.TargetTableName,
    RecordVersion: request.RecordVersion ?? DEFAULT_RECORD_VERSION,
  };
}

export function resolveTask(
  request: CreateBatchLoadTaskRequest,
  model: ResolvedDataModel,
  csv: ResolvedCsvOptions,
): ResolvedTask {
  const source = request.DataSourceConfiguration.DataSourceS3Configuration;
  const report = request.ReportConfiguration.ReportS3Configuration;
  return {
    request,
    database: request.TargetDatabaseName,
    table: request.TargetTableName,
    recordVersion: request.RecordVersion ?? DEFAULT_RECORD_VERSION,
    source: { bucket: source.BucketName, prefix: source.ObjectKeyPrefix ?? '' },
    report: report === undefined ? null : { bucket: report.BucketName, prefix: report.ObjectKeyPrefix ?? '' },
    csv,
    model,
  };
}
