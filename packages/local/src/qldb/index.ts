export { DEFAULT_OUTPUT_FORMAT, OUTPUT_FORMATS, type OutputFormat } from './export-request.js';
export { EXPORTS_IN_PROGRESS_PER_LEDGER, EXPORT_STATE_FILE, type ExportStatus } from './export-registry.js';
export { DEFAULT_OBJECT_BYTES, keyPrefix } from './export-journal.js';
export { MAX_EXPORT_WORKERS } from './journal-exporter.js';
export { BLOCK_ION_FIELDS } from './block-encoders.js';
export { QLDB_ERROR_STATUS, type QldbErrorType } from './qldb-error.js';
