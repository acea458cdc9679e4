/**
 * R-QLDB-1/3: the errors of the QLDB model as its REST-JSON protocol sends them: the name in `x-amzn-ErrorType`,
 * `{"Message", ...members}` in the body, and the model's statuses.
 */
export const QLDB_ERROR_STATUS = {
  InvalidParameterException: 400,
  LimitExceededException: 400,
  ResourceNotFoundException: 404,
  ResourcePreconditionNotMetException: 412,
  // Protocol errors (no operation at that path and method; a body that is not JSON).
  UnknownOperationException: 404,
  SerializationException: 400,
  InternalServerException: 500,
} as const;

export type QldbErrorType = keyof typeof QLDB_ERROR_STATUS;

export class QldbError extends Error {
  override readonly name = 'QldbError';
  readonly status: number;
  constructor(
    readonly type: QldbErrorType,
    message: string,
    /** Members of the exception: ParameterName, ResourceType, ResourceName. */
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.status = QLDB_ERROR_STATUS[type];
  }
}

export function invalidParameter(parameterName: string, message: string): QldbError {
  return new QldbError('InvalidParameterException', message, { ParameterName: parameterName });
}
