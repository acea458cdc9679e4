export * from './errors.js';
export * from './connection.js';
export * from './retry.js';
export * from './rejections.js';
export * from './common-attributes.js';
export * from './writer.js';
export * from './target.js';
export * from './warnings.js';
export * from './ingest.js';
export type {
  BatchResult,
  BatchRejection,
  SendWriteRecords,
  WriteRecordsInput,
} from './internal/write-batch.js';
export * from './ingest-task.js';
