import type { LoadWarningCode } from '@tsbatch/core';

/** Codes of a real load's warnings: the engine's (core's LoadWarningCode) and the target table's. */
export type IngestWarningCode =
  | LoadWarningCode
  /** DescribeTable was refused or unreadable: the service alone checks the time window. */
  | 'TABLE_NOT_DESCRIBED'
  /** The table exists already: its own retention applies, not the retention asked for its creation. */
  | 'TABLE_EXISTS';

/** A warning as data (issue 18): a stable code, a message without CLI flags, optional advice. */
export interface IngestWarning {
  code: IngestWarningCode;
  message: string;
  advice?: string;
}
