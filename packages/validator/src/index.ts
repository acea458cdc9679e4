export { formatIssue, LOCATION_CODES, RUNNABLE_ERROR_CODES, VALIDATION_CODES } from './issue.js';
export type { Severity, ValidationCode, ValidationIssue } from './issue.js';
export { checkTask, validateTask } from './validate-task.js';
export type { ValidateOptions, ValidationResult } from './validate-task.js';
export { parseJsonText } from './parse-json-text.js';
export type { ParseJsonResult } from './parse-json-text.js';
export { didYouMean } from './internal/did-you-mean.js';
export { S3_OBJECT_KEY_PATTERN } from './internal/schema.js';
export { SOURCE_LIMITS } from './internal/check-source.js';
export { inferTask, INFER_ERROR_CODES } from './infer/infer-task.js';
export type {
  InferOptions,
  InferResult,
  InferNote,
  InferProblemCode,
  BadCells,
  ProposalCheck,
} from './infer/infer-task.js';
