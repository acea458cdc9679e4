export {
  blockHashOf,
  blockHeaderInput,
  entriesHashOf,
  GENESIS_HASH,
  revisionHash,
  revisionHashInput,
  sealBlock,
  type JournalBlock,
  type JournalReader,
  type JournalRevision,
  type LedgerInfo,
  type TransactionInfo,
} from './journal-block.js';
export { DEFAULT_OUTPUT_FORMAT, OUTPUT_FORMATS, type OutputFormat } from './export-request.js';
export { EXPORTS_IN_PROGRESS_PER_LEDGER, EXPORT_STATE_FILE, type ExportStatus } from './export-registry.js';
export { DEFAULT_OBJECT_BYTES, keyPrefix } from './export-journal.js';
export { QLDB_ERROR_STATUS, type QldbErrorType } from './qldb-error.js';
export { BASE62_ID } from './base62-id.js';
