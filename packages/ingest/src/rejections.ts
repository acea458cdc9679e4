/**
 * R-ING-2: a record WriteRecords refused, as the ingestion failure of its row. Refusals the engine also predicts
 * (version conflicts, the time window) take the engine's reason text, so that the error report groups them with the
 * ones found before sending and merges their line ranges (R-REP-2); the service's own words go to rejects.jsonl.
 */
import { OUTSIDE_WINDOW_REASON, VERSION_CONFLICT_REASON, type Failure } from '@tsbatch/core';

/** One refused record, as a worker reports it. */
export interface TargetRejection {
  /** RejectedRecord.Reason, or the ValidationException message of a record isolated by splitting its call. */
  reason: string;
  /** RejectedRecord.ExistingVersion. */
  existingVersion?: number;
  /** The record was isolated from a call answered by ValidationException (R-ING-2). */
  invalid?: boolean;
}

const VERSION = /\bversion\b/i;
const WINDOW = /time range|ingestion window|retention period|outside the memory store/i;

export function rejectionFailure(rejection: TargetRejection, recordIndex = 0): Failure {
  const which = recordIndex === 0 ? 'the record' : `record ${recordIndex + 1} of the row`;
  const existing =
    rejection.existingVersion === undefined ? '' : ` (the table holds version ${rejection.existingVersion})`;
  const detail = rejection.invalid
    ? `WriteRecords refused ${which} with ValidationException: ${rejection.reason}`
    : `WriteRecords rejected ${which}: ${rejection.reason}${existing}`;
  if (!rejection.invalid && (rejection.existingVersion !== undefined || VERSION.test(rejection.reason))) {
    return { kind: 'ingestion', code: 'RECORD_VERSION_CONFLICT', reason: VERSION_CONFLICT_REASON, detail };
  }
  if (!rejection.invalid && WINDOW.test(rejection.reason)) {
    return { kind: 'ingestion', code: 'TIME_OUTSIDE_WINDOW', reason: OUTSIDE_WINDOW_REASON, detail };
  }
  return { kind: 'ingestion', code: 'RECORD_REJECTED', reason: rejection.reason, detail };
}
