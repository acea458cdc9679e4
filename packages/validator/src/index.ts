export { formatIssue, LOCATION_CODES, RUNNABLE_ERROR_CODES, VALIDATION_CODES } from './issue.js';
export type { Severity, ValidationCode, ValidationIssue } from './issue.js';
export { checkTask, validateTask } from './validate-task.js';
export type { ValidateOptions, ValidationResult } from './validate-task.js';
export { parseJsonText } from './parse-json-text.js';
export type { ParseJsonResult } from './parse-json-text.js';
export { didYouMean } from './internal/did-you-mean.js';
