/**
 * Errors of the local endpoint. `ServiceError` is an error the service itself answers with: its `type` is the
 * exception name of the Timestream-Write model (sent as `__type`), its `status` the HTTP status the service uses
 * (R-LOCAL-1). `LocalError` is a problem of the endpoint itself (options, data folder), never sent on the wire.
 */

/**
 * R-LOCAL-1: the exceptions of the Timestream-Write model and the AWS JSON 1.0 protocol, with their HTTP statuses:
 * the API reference gives 400 for every client error, 419 for RejectedRecordsException and 500 for
 * InternalServerException (SDKs match errors by `__type`, never by status).
 */
export const SERVICE_ERROR_STATUS = {
  ValidationException: 400,
  ResourceNotFoundException: 400,
  ConflictException: 400,
  ThrottlingException: 400,
  RejectedRecordsException: 419,
  InternalServerException: 500,
  ServiceQuotaExceededException: 400,
  AccessDeniedException: 400,
  InvalidEndpointException: 400,
  // Protocol-level errors every AWS JSON service answers with.
  UnknownOperationException: 400,
  SerializationException: 400,
  RequestEntityTooLargeException: 413,
  MissingAuthenticationTokenException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
} as const;

export type ServiceErrorType = keyof typeof SERVICE_ERROR_STATUS;

/** The namespace of `__type`, as the service sends it. */
export const ERROR_NAMESPACE = 'com.amazonaws.timestream.v20181101';

/** An answer of the service that is an error (R-LOCAL-1); `fields` are extra members (RejectedRecords). */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  readonly status: number;
  constructor(
    readonly type: ServiceErrorType,
    message: string,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = SERVICE_ERROR_STATUS[type];
  }
}

export const LOCAL_ERROR_CODES = [
  'LOCAL_INVALID_OPTION',
  'LOCAL_DATA_DIR_LOCKED',
  'LOCAL_DATA_DIR_INVALID',
  'LOCAL_FAULT_SPEC',
] as const;
export type LocalErrorCode = (typeof LOCAL_ERROR_CODES)[number];

/** A problem of the endpoint itself (bad options, a data folder in use); match on `code`. */
export class LocalError extends Error {
  override readonly name = 'LocalError';
  constructor(
    readonly code: LocalErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
